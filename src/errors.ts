/**
 * WaitGroupErrorCode is the stable, machine-readable `code` of a {@link WaitGroupError}.
 *
 * Branch on the code, never on the message: messages may gain detail, codes never change.
 *
 * | code | raised when | Go's text |
 * | --- | --- | --- |
 * | `ERR_WAITGROUP_NEGATIVE_COUNTER` | an `add`/`done` would take the counter below zero | `sync: negative WaitGroup counter` |
 * | `ERR_WAITGROUP_TIMEOUT` | a `wait({ timeout })` gave up before the counter reached zero | (Go has no timeout) |
 * | `ERR_WAITGROUP_MISUSE` | a positive `add` from zero raced with a registering waiter (shared memory) | `sync: WaitGroup misuse: Add called concurrently with Wait` |
 * | `ERR_WAITGROUP_REUSED` | a new round started before every waiter of the last one returned (shared memory) | `sync: WaitGroup is reused before previous Wait has returned` |
 * | `ERR_WAITGROUP_CANNOT_BLOCK` | a blocking wait was asked for where the platform forbids blocking | (Go always blocks) |
 * | `ERR_GROUP_LIMIT_WHILE_ACTIVE` | a `Group`'s limit was changed while tasks run | `errgroup: modify limit while N goroutines in the group are still active` |
 * | `ERR_WAITGROUP_TASK_ALREADY_DONE` | `done()` a second time on one task handle (`wg.task()`) | (Go has no handles) |
 * | `ERR_GROUP_LIMIT_ZERO` | `go()` on a `Group` whose limit is 0, which could never start the task | (errgroup's `Go` blocks forever) |
 *
 * The union stays open (`string & {}`) so that codes added in later versions type-check
 * in code written against this one.
 */
export type WaitGroupErrorCode =
  | 'ERR_WAITGROUP_NEGATIVE_COUNTER'
  | 'ERR_WAITGROUP_TIMEOUT'
  | 'ERR_WAITGROUP_MISUSE'
  | 'ERR_WAITGROUP_REUSED'
  | 'ERR_WAITGROUP_CANNOT_BLOCK'
  | 'ERR_WAITGROUP_TASK_ALREADY_DONE'
  | 'ERR_GROUP_LIMIT_WHILE_ACTIVE'
  | 'ERR_GROUP_LIMIT_ZERO'
  | (string & {});

/**
 * WaitGroupError is the error for the semantic failures of a wait group: misuse that Go
 * reports with a panic, and a wait that timed out.
 *
 * Invalid arguments are not `WaitGroupError`s: they are `TypeError` or `RangeError`, as
 * the platform does. Every `WaitGroupError` carries a stable {@link WaitGroupErrorCode};
 * where Go has a message for the same failure, the message starts with Go's exact text so
 * that searching for it finds Go's documentation and discussions too.
 *
 * A `WaitGroupError` that crosses a thread boundary (`postMessage`, `structuredClone`)
 * arrives as a plain `Error` that keeps only the message, which is why every message is
 * self-explanatory and prefixed the way Go's are.
 *
 * @example
 * ```ts
 * import { WaitGroup, WaitGroupError } from 'waitgroups';
 *
 * const wg = new WaitGroup();
 * try {
 *   wg.done();
 * } catch (error) {
 *   if (error instanceof WaitGroupError && error.code === 'ERR_WAITGROUP_NEGATIVE_COUNTER') {
 *     console.error(error.message); // sync: negative WaitGroup counter
 *   }
 * }
 * ```
 */
export class WaitGroupError extends Error {
  /** The stable code of this error; see {@link WaitGroupErrorCode}. */
  readonly code: WaitGroupErrorCode;

  /**
   * Creates an error with the given code and message.
   *
   * @param code - the stable code (see {@link WaitGroupErrorCode})
   * @param message - the human-readable message
   * @param options - `cause`, as for `Error`
   */
  constructor(code: WaitGroupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

Object.defineProperty(WaitGroupError.prototype, 'name', {
  value: 'WaitGroupError',
  writable: true,
  enumerable: false,
  configurable: true,
});
