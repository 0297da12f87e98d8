// Small helpers shared by the tests. Portable: no Node-only API.

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
