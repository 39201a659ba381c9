// What the server decided about a learner's challenges, read the way a learner's script would:
// sign in (a session of its own, from a client of its own) and ask `GET /api/progress`. Used by
// the specs that act out a challenge's steps in the real pages to check that the server, and only
// the server, counted them.
import { request as playwrightRequest } from "@playwright/test";
import { expect } from "./fixtures";

async function solvedBy(baseURL: string, username: string, password: string): Promise<string[]> {
  const client = await playwrightRequest.newContext({ baseURL });
  try {
    // A session of its own, unless the account switched a session defence off (its cookie then
    // passes only with that check off, and progress takes only a request every check passed):
    // then a bearer token.
    const login = await client.post("/api/session/login", { data: { username, password } });
    expect(login.status(), await login.text()).toBe(200);
    const csrf = (await login.json()).csrf_token as string;
    let progress = await client.get("/api/progress");
    // Leave no session behind: other tests count the sessions of the demo accounts.
    const out = await client.post("/api/session/logout", { headers: { "x-csrf-token": csrf } });
    expect(out.status()).toBe(204);
    if (progress.status() === 403) {
      const bearer = await client.post("/api/jwt/login", { data: { username, password } });
      expect(bearer.status(), await bearer.text()).toBe(200);
      const token = (await bearer.json()).access_token as string;
      progress = await client.get("/api/progress", { headers: { authorization: `Bearer ${token}` } });
    }
    expect(progress.status(), await progress.text()).toBe(200);
    const body = (await progress.json()) as { challenges: { id: string; solved_at_ms: number | null }[] };
    return body.challenges.filter((c) => c.solved_at_ms !== null).map((c) => c.id);
  } finally {
    await client.dispose();
  }
}

/** Every one of `ids` is solved for `username` (the server judges within a batch: polled briefly). */
export async function expectSolved(baseURL: string | undefined, username: string, password: string, ids: string[]) {
  await expect
    .poll(async () => {
      const solved = await solvedBy(baseURL!, username, password);
      return ids.filter((id) => !solved.includes(id));
    }, { message: `challenges of ${username} still unsolved`, timeout: 5_000 })
    .toEqual([]);
}

/** None of `ids` is solved for `username`: a try that looked close counted for nothing. */
export async function expectUnsolved(baseURL: string | undefined, username: string, password: string, ids: string[]) {
  const solved = await solvedBy(baseURL!, username, password);
  expect(ids.filter((id) => solved.includes(id)), `challenges of ${username} solved by tries that must not count`).toEqual([]);
}
