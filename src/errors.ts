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
 * | `ERR_GROUP_UNOBSERVED_FAILURE` | the unhandled rejection of a `Group` task failure that no `wait()` observed (the group was collected, or the process is exiting) | (errgroup drops it) |
 * | `ERR_WAITGROUP_WORKER_DIED` | a `SharedWaitGroup` wait of a group that watches its workers: a worker died owing `done()`s | (Go's goroutines cannot die apart) |
 * | `ERR_WAITGROUP_TASK_LOST` | a task of the round lost its lease (its holder crashed or stalled): every `wait()` of that round rejects (`waitgroups/redis`) | (Go's tasks cannot vanish) |
 * | `ERR_WAITGROUP_LEASE_LOST` | a `done()` or renewal of a task whose lease had expired, or whose round had ended, is refused and not counted (`waitgroups/redis`) | (Go has no leases) |
 * | `ERR_WAITGROUP_UNREACHABLE` | a Redis `wait()` whose reads all failed for 10 s: the server is unreachable (`waitgroups/redis`) | (Go's memory is always there) |
 * | `ERR_WAITGROUP_STATE_LOST` | the group's state vanished or was rolled back in Redis (restart without persistence, `FLUSHALL`, eviction, expiry) (`waitgroups/redis`) | (Go's memory cannot vanish) |
 *
 * Invalid arguments are `TypeError`s and `RangeError`s, not `WaitGroupError`s, and carry
 * Node's codes (see {@link ArgumentErrorCode}).
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
  | 'ERR_GROUP_UNOBSERVED_FAILURE'
  | 'ERR_WAITGROUP_WORKER_DIED'
  | 'ERR_WAITGROUP_TASK_LOST'
  | 'ERR_WAITGROUP_LEASE_LOST'
  | 'ERR_WAITGROUP_STATE_LOST'
  | 'ERR_WAITGROUP_UNREACHABLE'
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

/**
 * ArgumentErrorCode is the `code` of the `TypeError`s and `RangeError`s thrown for invalid
 * arguments, the same codes as Node's own validators give:
 *
 * | code | class | raised when |
 * | --- | --- | --- |
 * | `ERR_INVALID_ARG_TYPE` | `TypeError` | an argument or option has the wrong type (`add('1')`, `go(42)`, `wait({ signal: {} })`) |
 * | `ERR_INVALID_ARG_VALUE` | `TypeError` | an argument has the right type but a value that is never valid (`add(1.5)`, `add(NaN)`, `setLimit(0.5)`, a `signal` given to `waitSync()`) |
 * | `ERR_OUT_OF_RANGE` | `RangeError` | a number outside its range (`timeout: -1`, a counter past 2^31-1, a `byteOffset` that leaves no room, a 65,536th registered waiter) |
 *
 * Whatever is thrown for an argument, nothing has changed.
 */
export type ArgumentErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

// ---------------------------------------------------------------------------------------
// The catalogue: every error this package throws is made by one of the factories below, next
// to the list of codes above, so that a message is written once and every front (WaitGroup,
// SharedWaitGroup, Group, task handles) reports the same failure in the same words.

/** The largest counter a group holds: Go keeps the counter in an int32. */
export const MAX_COUNT = 0x7fff_ffff;

/** The longest timeout a platform timer honours (2^31-1 ms, about 24.8 days). */
export const MAX_TIMEOUT = 0x7fff_ffff;

/** The most waiters one SharedWaitGroup can have registered at once (its 16-bit field). */
export const MAX_WAITERS = 0xffff;

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

/** A `TypeError` with Node's `ERR_INVALID_ARG_TYPE`. */
export function invalidArgType(message: string): TypeError & { code: ArgumentErrorCode } {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' as const });
}

/** A `TypeError` with Node's `ERR_INVALID_ARG_VALUE`. */
export function invalidArgValue(message: string): TypeError & { code: ArgumentErrorCode } {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' as const });
}

/** A `RangeError` with Node's `ERR_OUT_OF_RANGE`. */
export function outOfRange(message: string): RangeError & { code: ArgumentErrorCode } {
  return Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' as const });
}

/** `"options" argument must be an object`, the error of every options object. */
export function optionsNotObject(options: unknown): TypeError {
  return invalidArgType(`The "options" argument must be an object. Received ${describe(options)}`);
}

/** The RangeError of an `add` that would take the counter past {@link MAX_COUNT}. */
export function counterOverflow(count: number, delta: number): RangeError {
  return outOfRange(
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

/** `error` again, same code and message, with `cause`: a misuse that hid a task's own failure. */
export function withCause(error: WaitGroupError, cause: unknown): WaitGroupError {
  return new WaitGroupError(error.code, error.message, { cause });
}

/** Whether `error` is the negative-counter error of {@link negativeCounter}. */
export function isNegativeCounter(error: unknown): error is WaitGroupError {
  return error instanceof WaitGroupError && error.code === 'ERR_WAITGROUP_NEGATIVE_COUNTER';
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

/** Go's panic for a positive add from zero while waiters are registered, as a catchable error. */
export function misuse(): WaitGroupError {
  return new WaitGroupError('ERR_WAITGROUP_MISUSE', 'sync: WaitGroup misuse: Add called concurrently with Wait');
}

/** Go's panic for a waiter that wakes to find the group already reused, as a catchable error. */
export function reused(): WaitGroupError {
  return new WaitGroupError('ERR_WAITGROUP_REUSED', 'sync: WaitGroup is reused before previous Wait has returned');
}

/** The error of a `waitSync()` on a thread that may not block (a browser's main thread). */
export function cannotBlock(cause: unknown): WaitGroupError {
  return new WaitGroupError(
    'ERR_WAITGROUP_CANNOT_BLOCK',
    'waitgroups: waitSync() cannot block this thread (Atomics.wait is not allowed here, as on a browser\'s main thread); use `await wg.wait()` instead',
    { cause },
  );
}

/**
 * The `TypeError` of a `SharedWaitGroup` made where the context has no `SharedArrayBuffer`;
 * its code is `ERR_WAITGROUP_NO_SHARED_MEMORY`.
 */
export function noSharedMemory(): TypeError & { code: 'ERR_WAITGROUP_NO_SHARED_MEMORY' } {
  return Object.assign(
    new TypeError(
      'SharedWaitGroup needs SharedArrayBuffer, which this context does not offer: in a browser the page ' +
        'must be cross-origin isolated (served with Cross-Origin-Opener-Policy: same-origin and ' +
        'Cross-Origin-Embedder-Policy: require-corp). Use WaitGroup within one thread.',
    ),
    { code: 'ERR_WAITGROUP_NO_SHARED_MEMORY' as const },
  );
}

/** The RangeError of a wait that would register one waiter more than the state word holds. */
export function tooManyWaiters(): RangeError {
  return outOfRange(
    `SharedWaitGroup waiter overflow: ${MAX_WAITERS} waits are already registered on this group (the most its state word holds); nothing was registered`,
  );
}

/** The `TypeError` of `new` on a class whose objects only this package makes (Node's code). */
export function illegalConstructor(name: string, use: string): TypeError & { code: 'ERR_ILLEGAL_CONSTRUCTOR' } {
  return Object.assign(new TypeError(`Illegal constructor: a ${name} is made by ${use}`), { code: 'ERR_ILLEGAL_CONSTRUCTOR' as const });
}

/** The error of a second `done()` on one task handle. */
export function taskAlreadyDone(label: string): WaitGroupError {
  return new WaitGroupError(
    'ERR_WAITGROUP_TASK_ALREADY_DONE',
    `waitgroups: task ${label === '' ? '(no label)' : JSON.stringify(label)} is already done: done() was called twice on its handle`,
  );
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

/**
 * The unhandled rejection of a `Group` task's failure that no `wait()` observed; the task's error
 * is the `cause`.
 */
export function unobservedFailure(cause: unknown): WaitGroupError {
  const shown = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new WaitGroupError(
    'ERR_GROUP_UNOBSERVED_FAILURE',
    `waitgroups: a Group task failed and no wait() observed it (the group was collected, or the process is exiting): ${shown}`,
    { cause },
  );
}

/**
 * The RangeError of a `SharedWaitGroup` attached to memory that cannot hold a group's state:
 * `what` says which part of it is impossible.
 */
export function notAGroup(byteOffset: number, what: string): RangeError {
  return outOfRange(
    `The memory at byteOffset ${byteOffset} is not a SharedWaitGroup: ${what}. A group's 16 bytes are zero-filled ` +
      'before first use, or hold a group; attach at the offset where the group was made',
  );
}

/**
 * The error of a `SharedWaitGroup` wait whose group watches a worker that is gone while it still
 * owes `owed` `done()`s: `name` names the worker, `how` says how it went; its error is the `cause`.
 */
export function workerDied(name: string, how: string, owed: number, cause: unknown): WaitGroupError {
  const message = `waitgroups: ${name} ${how} while it still owed ${owed} done()${owed === 1 ? '' : 's'}: the WaitGroup counter can never reach zero`;
  return cause === undefined
    ? new WaitGroupError('ERR_WAITGROUP_WORKER_DIED', message)
    : new WaitGroupError('ERR_WAITGROUP_WORKER_DIED', message, { cause });
}

/** The TypeError of `watch()` given something that is not a worker. */
export function notAWorker(value: unknown): TypeError {
  return invalidArgType(
    `The value returned by "start" must be a Worker (node:worker_threads, or a Web Worker). Received ${describe(value)}`,
  );
}

/** The error of a `waitSync()` in the thread that watches workers whose units it must forward. */
export function cannotBlockWatching(leases: number): WaitGroupError {
  return new WaitGroupError(
    'ERR_WAITGROUP_CANNOT_BLOCK',
    `waitgroups: waitSync() would block the thread that watches ${leases} worker${leases === 1 ? '' : 's'} of this group: ` +
      'it hands their done()s on to the group from its event loop, so blocking would never end; use `await wg.wait()`',
  );
}

/** A task that lost its lease, as the errors of `waitgroups/redis` name it. */
export interface LostTaskInfo {
  /** The task's id in its group, which is also its fencing token. */
  readonly id: number;
  /** The label given to `task({ label })`. */
  readonly label: string;
  /** The worker that held it (`host:pid` unless the group was given another name). */
  readonly worker: string;
}

function nameTask(task: LostTaskInfo): string {
  return `#${task.id} ${task.label === '' ? '(no label)' : JSON.stringify(task.label)} held by ${task.worker}`;
}

/**
 * The error of every `wait()` of a round in which tasks lost their lease: their holders
 * crashed or stalled, so the round can never complete as asked. Names each lost task.
 */
export function taskLost(group: string, round: number, tasks: readonly LostTaskInfo[]): WaitGroupError {
  const shown = tasks.slice(0, 20).map(nameTask).join(', ');
  return new WaitGroupError(
    'ERR_WAITGROUP_TASK_LOST',
    `waitgroups: round ${round} of ${JSON.stringify(group)} failed: ${tasks.length} task${tasks.length === 1 ? '' : 's'} lost ${tasks.length === 1 ? 'its lease' : 'their leases'}: ${shown}${tasks.length > 20 ? ', ...' : ''}`,
  );
}

/** The error of a `done()` or renewal refused because the task no longer holds its lease. */
export function leaseLost(group: string, task: LostTaskInfo, cause?: unknown): WaitGroupError {
  const message = `waitgroups: task ${nameTask(task)} of ${JSON.stringify(group)} no longer holds its lease (it expired, or its round ended without it): this done() is refused and not counted`;
  return cause === undefined
    ? new WaitGroupError('ERR_WAITGROUP_LEASE_LOST', message)
    : new WaitGroupError('ERR_WAITGROUP_LEASE_LOST', message, { cause });
}

const stateLostReasons: Record<string, string> = {
  gone: 'its keys are gone (a restart without persistence, FLUSHALL, DEL, eviction or expiry)',
  replaced: 'its keys were lost and the group was created again since',
  rollback: 'the server restarted without AOF and the state it loaded may be older than the truth',
};

/**
 * The error of every call and every pending `wait()` of a group whose state vanished or was
 * rolled back: never read as a counter of zero.
 */
export function stateLost(group: string, reason: string): WaitGroupError {
  return new WaitGroupError(
    'ERR_WAITGROUP_STATE_LOST',
    `waitgroups: the state of ${JSON.stringify(group)} was lost: ${stateLostReasons[reason] ?? reason}; no wait can tell whether its round completed`,
  );
}

/**
 * The error of a Redis `wait()` that gave up because every read failed for `ms` milliseconds:
 * Redis is unreachable (the client's last error is the `cause`). Never read as success.
 */
export function redisUnreachable(name: string, ms: number, cause: unknown): WaitGroupError {
  const code = (cause as { code?: unknown } | null)?.code;
  const detail =
    cause instanceof Error
      ? `${cause.name}${typeof code === 'string' ? ` ${code}` : ''}${cause.message === '' ? '' : `: ${cause.message}`}`
      : String(cause);
  return new WaitGroupError(
    'ERR_WAITGROUP_UNREACHABLE',
    `waitgroups: wait() on ${JSON.stringify(name)} gave up: reads failed for ${ms / 1000} s, Redis is unreachable (last: ${detail})`,
    { cause },
  );
}
