// What the server decided about a learner's challenges, read the way a learner's script would:
// sign in (a session of its own, from a client of its own) and ask `GET /api/progress`. Used by
// the specs that act out a challenge's steps in the real pages to check that the server, and only
// the server, counted them.
import { request as playwrightRequest } from "@playwright/test";
import { expect } from "./fixtures";

async function solvedBy(baseURL: string, username: string, password: string): Promise<string[]> {
  const client = await playwrightRequest.newContext({ baseURL });
  try {
    const login = await client.post("/api/session/login", { data: { username, password } });
    expect(login.status(), await login.text()).toBe(200);
    const progress = await client.get("/api/progress");
    expect(progress.status(), await progress.text()).toBe(200);
    const body = (await progress.json()) as { challenges: { id: string; solved_at_ms: number | null }[] };
    // Leave no session behind: other tests count the sessions of the demo accounts.
    const csrf = (await login.json()).csrf_token as string;
    const out = await client.post("/api/session/logout", { headers: { "x-csrf-token": csrf } });
    expect(out.status()).toBe(204);
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
