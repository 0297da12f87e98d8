import { WaitGroupError } from '../errors.js';

/** The largest counter a group holds: Go keeps the counter in an int32. */
export const MAX_COUNT = 0x7fff_ffff;

/** The longest timeout a platform timer honours (2^31-1 ms, about 24.8 days). */
export const MAX_TIMEOUT = 0x7fff_ffff;

/** Shows a received value the way Node's argument errors do: type, then value. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'function':
      return `function ${value.name || '<anonymous>'}`;
    case 'object':
      return `an instance of ${(value as object).constructor?.name ?? 'Object'}`;
    case 'string':
      return `type string ('${value.length > 28 ? `${value.slice(0, 25)}...` : value}')`;
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'symbol':
      return `type symbol (${String(value)})`;
    default:
      return `type ${typeof value} (${String(value)})`;
  }
}

/** Throws unless `delta` is a safe integer; the message names the argument and the value. */
export function checkDelta(delta: unknown): asserts delta is number {
  if (!Number.isSafeInteger(delta)) {
    throw new TypeError(`The "delta" argument must be a safe integer. Received ${describe(delta)}`);
  }
}

/** Throws unless `fn` is a function. */
export function checkFunction(fn: unknown, name: string): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== 'function') {
    throw new TypeError(`The "${name}" argument must be a function. Received ${describe(fn)}`);
  }
}

/** Throws unless `label` is a string (a task handle's label). */
export function checkLabel(label: unknown): asserts label is string {
  if (typeof label !== 'string') {
    throw new TypeError(`The "label" argument must be a string. Received ${describe(label)}`);
  }
}

/** The RangeError of an `add` that would take the counter past {@link MAX_COUNT}. */
export function counterOverflow(count: number, delta: number): RangeError {
  return new RangeError(
    `WaitGroup counter overflow: add(${delta}) with counter ${count} exceeds the maximum of ${MAX_COUNT} (2^31-1); the counter is unchanged`,
  );
}

/**
 * Go's panic for a counter taken below zero, as a catchable error. `detail` (debug mode) is
 * appended on a line of its own, so the message still starts with Go's exact text.
 */
export function negativeCounter(cause?: unknown, detail?: string): WaitGroupError {
  const message = `sync: negative WaitGroup counter${detail === undefined ? '' : `\n${detail}`}`;
  return cause === undefined
    ? new WaitGroupError('ERR_WAITGROUP_NEGATIVE_COUNTER', message)
    : new WaitGroupError('ERR_WAITGROUP_NEGATIVE_COUNTER', message, { cause });
}

/**
 * The error of a wait that gave up after `timeout` ms while the counter was `count`;
 * `outstanding` (debug mode) lists the tasks not done, one per line.
 */
export function waitTimedOut(timeout: number, count: number, outstanding?: string): WaitGroupError {
  return new WaitGroupError(
    'ERR_WAITGROUP_TIMEOUT',
    `waitgroups: wait timed out after ${timeout} ms with the WaitGroup counter at ${count}${
      outstanding === undefined ? '' : `; outstanding, oldest first:\n${outstanding}`
    }`,
  );
}

/** Whether `value` is a promise or another thenable. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function' &&
    typeof (value as AbortSignal).removeEventListener === 'function'
  );
}

/**
 * Checks a timeout in milliseconds: a number from 0 to {@link MAX_TIMEOUT}, or `Infinity`
 * for none. Returns `undefined` for no timeout.
 */
export function checkTimeout(timeout: unknown, name = 'options.timeout'): number | undefined {
  if (timeout === undefined || timeout === Infinity) return undefined;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    throw new TypeError(`The "${name}" property must be a number of milliseconds. Received ${describe(timeout)}`);
  }
  if (timeout < 0 || timeout > MAX_TIMEOUT) {
    throw new RangeError(
      `The "${name}" property must be >= 0 and <= ${MAX_TIMEOUT} ms, or Infinity. Received ${timeout}`,
    );
  }
  return timeout;
}

/** The checked form of a wait's options. */
export interface CheckedWaitOptions {
  signal: AbortSignal | undefined;
  timeout: number | undefined;
}

/** Checks `wait()` options; throws `TypeError`/`RangeError` for bad ones. */
export function checkWaitOptions(options: unknown): CheckedWaitOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`The "options" argument must be an object. Received ${describe(options)}`);
  }
  const { signal, timeout } = options as { signal?: unknown; timeout?: unknown };
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`The "options.signal" property must be an AbortSignal. Received ${describe(signal)}`);
  }
  return { signal, timeout: checkTimeout(timeout) };
}

/**
 * Checks a `Group` limit: an integer, or `Infinity`. Returns the limit to store, with
 * `Infinity` for none (a negative integer, `-Infinity` or `Infinity`).
 */
export function checkLimit(limit: unknown, name: string): number {
  if (typeof limit === 'number') {
    if (Number.isInteger(limit)) return limit < 0 ? Infinity : limit;
    if (limit === Infinity || limit === -Infinity) return Infinity;
  }
  throw new TypeError(
    `The "${name}" ${name.includes('.') ? 'property' : 'argument'} must be an integer (negative for no limit) or Infinity. Received ${describe(limit)}`,
  );
}

/** The checked form of a `Group`'s options. */
export interface CheckedGroupOptions {
  signal: AbortSignal | undefined;
  limit: number;
}

/** Checks `new Group(options)`; throws `TypeError` for bad options. */
export function checkGroupOptions(options: unknown): CheckedGroupOptions {
  if (options === undefined) return { signal: undefined, limit: Infinity };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`The "options" argument must be an object. Received ${describe(options)}`);
  }
  const { signal, limit } = options as { signal?: unknown; limit?: unknown };
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`The "options.signal" property must be an AbortSignal. Received ${describe(signal)}`);
  }
  return { signal, limit: limit === undefined ? Infinity : checkLimit(limit, 'options.limit') };
}

/** errgroup's panic for a limit changed while tasks run, as a catchable error. */
export function limitWhileActive(active: number): WaitGroupError {
  return new WaitGroupError(
    'ERR_GROUP_LIMIT_WHILE_ACTIVE',
    `errgroup: modify limit while ${active} goroutines in the group are still active`,
  );
}

/** The error of a `go()` that could never start its task: errgroup's `Go` would block forever. */
export function limitZero(): WaitGroupError {
  return new WaitGroupError(
    'ERR_GROUP_LIMIT_ZERO',
    'waitgroups: go() on a Group with a limit of 0 can never start the task (errgroup\'s Go would block forever); use tryGo(), or setLimit() to a positive number or -1 first',
  );
}
