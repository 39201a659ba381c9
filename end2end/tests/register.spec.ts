import { test, expect, openHydrated, allowHttpError } from "./fixtures";

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

  // The second try is refused on purpose: the browser logs the 409, which this test expects.
  allowHttpError(page, 409, "/api/register");
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
  allowHttpError(page, 409, "/api/register");
  await openHydrated(page, "/register");
  const form = page.getByTestId("register-form");
  // "alice" passes the form's own constraints; only the server knows it exists.
  await form.getByLabel("Username").fill("alice");
  await form.getByLabel("Password").fill("whatever-password");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("register-error")).toHaveText('username "alice" is already taken');
});

test("the console guard itself fails a test whose page logs an error", async ({ page }) => {
  // Proves the fixture is not a no-op: this test is expected to fail in the fixture's teardown.
  test.fail();
  await openHydrated(page, "/");
  await page.evaluate(() => console.error("deliberate error from the guard's own test"));
});
