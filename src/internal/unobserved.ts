// Failures of Groups that no wait() has observed: never silent. A failure is pending from the
// moment it is recorded until a wait() (or a scope, or a disposal) rejects with it. One still
// pending is reported as an unhandled rejection (the platform's report of an unobserved failure)
// when nobody can observe it any more: when its group has been garbage-collected, or when the
// process is about to exit with nothing left to run (Node's, Deno's and Bun's `beforeExit`). Not
// when the group goes idle: `await using`, a scope, or a wait() after other awaits observe a
// failure later, legitimately, and must not be reported first. The entry holds the error, never
// the group, so it does not keep the group alive.
import { unobservedFailure } from '../errors.js';

/** One recorded failure of a group. */
export interface Failure {
  readonly error: unknown;
}

const pending = new Set<Failure>();

const registry: FinalizationRegistry<Failure> | undefined =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(report) : undefined;

interface ExitHooks {
  on?(event: 'beforeExit', listener: () => void): unknown;
}
let installed = false;

function report(failure: Failure): void {
  if (!pending.delete(failure)) return;
  void Promise.reject(unobservedFailure(failure.error));
}

function reportAll(): void {
  for (const failure of [...pending]) report(failure);
}

/** Records the failure of `group`, pending until {@link observed}. */
export function failed(group: object, error: unknown): Failure {
  // V8 keeps the frames of an error's stack, receivers included (the group, in go()), until
  // the stack is first read: reading it now lets the group be collected.
  if (error instanceof Error) void error.stack;
  const failure: Failure = { error };
  pending.add(failure);
  registry?.register(group, failure, failure);
  if (!installed) {
    installed = true;
    const hooks = (globalThis as { process?: ExitHooks }).process;
    if (typeof hooks?.on === 'function') hooks.on('beforeExit', reportAll);
  }
  return failure;
}

/** A wait() rejected with the failure: it is observed, and will not be reported. */
export function observed(failure: Failure): void {
  if (pending.delete(failure)) registry?.unregister(failure);
}
