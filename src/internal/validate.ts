// Argument checks shared by every front. They throw the catalogue's errors (src/errors.ts) and
// nothing else, before anything has changed.
import { MAX_TIMEOUT, describe, invalidArgType, invalidArgValue, optionsNotObject, outOfRange } from '../errors.js';

/** Throws unless `delta` is a safe integer; the message names the argument and the value. */
export function checkDelta(delta: unknown): asserts delta is number {
  if (Number.isSafeInteger(delta)) return;
  const message = `The "delta" argument must be a safe integer. Received ${describe(delta)}`;
  throw typeof delta === 'number' ? invalidArgValue(message) : invalidArgType(message);
}

/** Throws unless `fn` is a function. */
export function checkFunction(fn: unknown, name: string): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== 'function') {
    throw invalidArgType(`The "${name}" argument must be a function. Received ${describe(fn)}`);
  }
}

/** Throws unless `label` is a string (a task handle's label). */
export function checkLabel(label: unknown): asserts label is string {
  if (typeof label !== 'string') {
    throw invalidArgType(`The "label" argument must be a string. Received ${describe(label)}`);
  }
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

/** Throws unless `options` is an object (not `null`). */
export function checkOptionsObject(options: unknown): asserts options is object {
  if (typeof options !== 'object' || options === null) throw optionsNotObject(options);
}

/** Checks an optional `options.signal`; returns it. */
export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw invalidArgType(`The "options.signal" property must be an AbortSignal. Received ${describe(signal)}`);
  }
  return signal;
}

/**
 * Checks a timeout in milliseconds: a number from 0 to {@link MAX_TIMEOUT}, or `Infinity`
 * for none. Returns `undefined` for no timeout.
 */
export function checkTimeout(timeout: unknown, name = 'options.timeout'): number | undefined {
  if (timeout === undefined || timeout === Infinity) return undefined;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    const message = `The "${name}" property must be a number of milliseconds. Received ${describe(timeout)}`;
    throw typeof timeout === 'number' ? invalidArgValue(message) : invalidArgType(message);
  }
  if (timeout < 0 || timeout > MAX_TIMEOUT) {
    throw outOfRange(`The "${name}" property must be >= 0 and <= ${MAX_TIMEOUT} ms, or Infinity. Received ${timeout}`);
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
  checkOptionsObject(options);
  const { signal, timeout } = options as { signal?: unknown; timeout?: unknown };
  return { signal: checkSignal(signal), timeout: checkTimeout(timeout) };
}

/** Checks `waitSync()` options; returns the timeout, `undefined` for none. */
export function checkSyncOptions(options: unknown): number | undefined {
  checkOptionsObject(options);
  const { signal, timeout } = options as { signal?: unknown; timeout?: unknown };
  if (signal !== undefined) {
    throw invalidArgValue(
      'The "options.signal" property is not supported by waitSync(): a blocked thread cannot run an abort listener. Use `await wg.wait({ signal })`',
    );
  }
  return checkTimeout(timeout);
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
  const message = `The "${name}" ${name.includes('.') ? 'property' : 'argument'} must be an integer (negative for no limit) or Infinity. Received ${describe(limit)}`;
  throw typeof limit === 'number' ? invalidArgValue(message) : invalidArgType(message);
}

/** The checked form of a `Group`'s options. */
export interface CheckedGroupOptions {
  signal: AbortSignal | undefined;
  limit: number;
}

/** Checks `new Group(options)`; throws `TypeError` for bad options. */
export function checkGroupOptions(options: unknown): CheckedGroupOptions {
  if (options === undefined) return { signal: undefined, limit: Infinity };
  checkOptionsObject(options);
  const { signal, limit } = options as { signal?: unknown; limit?: unknown };
  return { signal: checkSignal(signal), limit: limit === undefined ? Infinity : checkLimit(limit, 'options.limit') };
}

/** Checks `new WaitGroup(options)`; returns whether debug mode is asked for (`undefined`: not said). */
export function checkDebugOption(options: unknown): boolean | undefined {
  checkOptionsObject(options);
  const { debug } = options as { debug?: unknown };
  if (debug !== undefined && typeof debug !== 'boolean') {
    throw invalidArgType(`The "options.debug" property must be a boolean. Received ${describe(debug)}`);
  }
  return debug;
}
