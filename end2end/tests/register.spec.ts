import { test, expect, openHydrated } from "./fixtures";

test("a new user registers through the form and a second try shows the name is taken", async ({ page }) => {
  const username = `learner_${Date.now().toString(36)}`;
  await openHydrated(page, "/register");

  const form = page.getByTestId("register-form");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill("a-good-long-password");
  const firstAnswer = page.waitForResponse("**/api/register");
  await form.getByRole("button", { name: "Create account" }).click();
  expect((await firstAnswer).status()).toBe(201);

  // The hydrated app shows the server's confirmation in place (no page load happened).
  await expect(page.getByTestId("register-ok")).toContainText(`Account ${username} created, role user.`);
  await expect(page.getByTestId("register-error")).toHaveCount(0);

  await form.getByLabel("Password").fill("another-long-password");
  const secondAnswer = page.waitForResponse("**/api/register");
  await form.getByRole("button", { name: "Create account" }).click();
  expect((await secondAnswer).status()).toBe(409);
  await expect(page.getByTestId("register-error")).toHaveText(`username "${username}" is already taken`);
  await expect(page.getByTestId("register-ok")).toHaveCount(0);
});

test("the demo accounts and their passwords are on the page", async ({ page }) => {
  await openHydrated(page, "/");
  const card = page.getByTestId("demo-accounts");
  await expect(card).toContainText("alice");
  await expect(card).toContainText("alice-in-the-lab");
  await expect(card).toContainText("bob-builds-it");
});

test("the server's refusal reason is shown for a name the browser lets through", async ({ page }) => {
  await openHydrated(page, "/register");
  const form = page.getByTestId("register-form");
  // "alice" passes the form's own constraints; only the server knows it exists.
  await form.getByLabel("Username").fill("alice");
  await form.getByLabel("Password").fill("whatever-password");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("register-error")).toHaveText('username "alice" is already taken');
});
