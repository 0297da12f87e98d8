// The one task runner: how every front (WaitGroup.go, SharedWaitGroup.go, Group's tasks) calls a
// task, adopts its result and ends it exactly once.
import { isNegativeCounter, withCause } from '../errors.js';
import { isPromiseLike } from './validate.js';

// Called directly, not through `result.then`: a promise whose own `then` was overridden, or a
// thenable that calls back twice, calls both callbacks, or throws after calling back, reaches the
// settlers once, because `Promise.resolve` adopts it through resolving functions that work once.
const promiseThen = Promise.prototype.then;

/**
 * TaskSettlers are the reactions that end a task when its outcome is known: `fulfilled` with its
 * value, `rejected` with its error. What they return (or throw) is the outcome of the promise
 * that {@link runTask} returns. A group makes one pair and shares it among its tasks, so that a
 * task costs no closure (a debug task has a pair of its own, which ends its record).
 */
export interface TaskSettlers {
  readonly fulfilled: (value: unknown) => unknown;
  readonly rejected: (error: unknown) => unknown;
}

/**
 * Runs `fn(arg)` synchronously and hands its outcome to `settle`, exactly once, whatever `fn`
 * does: a return value or a synchronous throw now, a promise or thenable when it settles (and
 * never, if it never settles: the task then stays pending). A thenable whose `then` getter
 * throws is a task that failed with that error.
 *
 * @returns a promise of what the settler returned, or rejected with what it threw
 */
export function runTask<A>(fn: (arg: A) => unknown, arg: A, settle: TaskSettlers): Promise<unknown> {
  let result: unknown;
  try {
    result = fn(arg);
    if (isPromiseLike(result)) return promiseThen.call(Promise.resolve(result), settle.fulfilled, settle.rejected);
  } catch (error) {
    return settleNow(settle.rejected, error);
  }
  return settleNow(settle.fulfilled, result);
}

function settleNow(reaction: (value: unknown) => unknown, value: unknown): Promise<unknown> {
  try {
    return Promise.resolve(reaction(value));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The settlers of a counted task (`go()`): `finish` marks it done (and throws
 * `ERR_WAITGROUP_NEGATIVE_COUNTER` if a stray `done()` already took the counter to zero). A
 * fulfilled task's promise takes its value, or that misuse error; a failed task's promise takes
 * its error, or the misuse error with the task's error as its `cause`, so that neither is lost.
 */
export function taskSettlers(finish: () => void): TaskSettlers {
  return {
    fulfilled: (value) => {
      finish();
      return value;
    },
    rejected: (error) => {
      try {
        finish();
      } catch (failure) {
        throw isNegativeCounter(failure) ? withCause(failure, error) : failure;
      }
      throw error;
    },
  };
}
