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
 * | `ERR_WAITGROUP_TASK_LOST` | a task of the round lost its lease (its holder crashed or stalled): every `wait()` of that round rejects (`waitgroups/redis`) | (Go's tasks cannot vanish) |
 * | `ERR_WAITGROUP_LEASE_LOST` | a `done()` or renewal of a task whose lease had expired, or whose round had ended, is refused and not counted (`waitgroups/redis`) | (Go has no leases) |
 * | `ERR_WAITGROUP_STATE_LOST` | the group's state vanished or was rolled back in Redis (restart without persistence, `FLUSHALL`, eviction, expiry) (`waitgroups/redis`) | (Go's memory cannot vanish) |
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
  | 'ERR_WAITGROUP_TASK_LOST'
  | 'ERR_WAITGROUP_LEASE_LOST'
  | 'ERR_WAITGROUP_STATE_LOST'
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
 *     console.error(error.message); // sync: negative WaitGroup counter (...)
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
