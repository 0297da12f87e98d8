// Promise and polling helpers shared by the tests. Portable (Node, Deno, Bun): no Node-only API.
import assert from 'node:assert/strict';

/** How long a test waits for something that should happen at once before it calls it a hang. */
export const HANG_GUARD_MS = 20_000;

/** Resolves after the current macrotask, so every queued microtask has run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Whether `promise` has settled once pending microtasks and one macrotask have run. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await tick();
  return settled;
}

/** Polls `condition` every millisecond; rejects with a hang-guard error if it does not hold within `ms`. */
export async function until(condition: () => boolean, label: string, ms = HANG_GUARD_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`hang guard: still waiting for ${label} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** `promise`, or a hang-guard rejection if it is still pending after `ms`. */
export async function guard<T>(promise: Promise<T>, label: string, ms = HANG_GUARD_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang guard: ${label} still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type Outcome = { status: 'fulfilled' } | { status: 'rejected'; reason: unknown };

/** The outcome of `promise`, whatever it is, as a value. */
export async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return { status: 'fulfilled' };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

/** Asserts that `got` is a rejection with exactly `reason` (the same object). */
export function assertRejected(got: Outcome, reason: unknown, message?: string): void {
  assert.equal(got.status, 'rejected', message);
  assert.equal((got as { reason: unknown }).reason, reason, message);
}
