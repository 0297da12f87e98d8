import { limitWhileActive, limitZero } from './errors.js';
import { asyncDispose } from './internal/dispose.js';
import { runScope, runTask, type TaskSettlers } from './internal/task-runner.js';
import { failed, observed, type Failure } from './internal/unobserved.js';
import { checkFunction, checkGroupOptions, checkLimit } from './internal/validate.js';
import { WaitGroup } from './wait-group.js';

/**
 * GroupOptions are the options of `new Group()`: errgroup's `WithContext` and `SetLimit` in
 * one place. Both are optional; `new Group()` has no parent signal and no limit.
 */
export interface GroupOptions {
  /**
   * A parent signal, errgroup's `ctx`: when it aborts, the group's own
   * {@link Group.signal} aborts with the same reason, and tasks still queued are dropped.
   */
  signal?: AbortSignal | undefined;
  /**
   * The most tasks that may run at once: an integer, where a negative number or `Infinity`
   * means no limit (the default). See {@link Group.setLimit}.
   */
  limit?: number | undefined;
}

/** A task: called with the group's signal; its result may be a value or a promise. */
type Task = (signal: AbortSignal) => unknown;

// The queue is compacted once this many started tasks sit at its front (and they are at
// least half of it), so that finished tasks are never retained and a dequeue stays O(1).
const COMPACT_AT = 1024;

/**
 * Group runs a collection of tasks that are parts of one job, and reports the first failure:
 * Go's `golang.org/x/sync/errgroup`, with the platform's `AbortSignal` in place of Go's
 * `context.Context` and a concurrency limit, built on {@link WaitGroup}.
 *
 * {@link Group.go} starts a task (an async function, or any function) and hands it the
 * group's {@link Group.signal}; {@link Group.wait} resolves when every task has finished, or
 * rejects with the first error. The signal aborts at the first failure, so that the other
 * tasks can stop early: pass it on to `fetch`, streams, timers, or check `signal.aborted`.
 * With a limit, at most that many tasks run at once and the others wait in a queue, in order.
 *
 * `new Group()` is errgroup's zero `Group` and `WithContext` at once: it has no limit, and its
 * signal aborts the first time a task fails (the reason is that error, as thrown), when the
 * parent `signal` given in the options aborts (the reason is the parent's reason), or when
 * `wait()` settles, whichever comes first.
 *
 * ## Failures
 * A task fails when it throws or its promise rejects. The group records the first failure
 * by time, as it learns of them (a synchronous throw at once, a rejection when it reaches the
 * group, as with any promise handler); later ones do not replace it, and it stays for the
 * life of the group, like errgroup's. It aborts the signal and is reported by `wait()`. A
 * failing task never makes `go()` throw, and the group itself never produces an unhandled
 * rejection: only a `wait()` promise that its caller ignores can.
 *
 * ## Cancellation
 * - Once the signal has aborted, tasks still queued are dropped: they never start. If any
 *   task was dropped, `wait()` rejects, with the first task's error if one failed, otherwise
 *   with `signal.reason`, so that a partial run is never mistaken for a complete one.
 * - Tasks already running are not interrupted (JavaScript cannot stop a function from
 *   outside): they stop early only if they watch the signal.
 * - Aborting without an error (a parent aborted with no reason, or `wait()` settled) gives
 *   the signal an `AbortError` `DOMException` as its reason, as `AbortController` does. A task
 *   that fails with `undefined` makes `wait()` reject with `undefined`, but the signal's
 *   reason is then an `AbortError`: an `AbortSignal` cannot carry `undefined`.
 * - The listener on the parent signal is removed as soon as the group's signal aborts, so
 *   after `wait()` nothing of the group stays attached to the parent. A group that is never
 *   waited for and never fails stays attached, and reachable, as long as the parent lives.
 *
 * ## Reuse
 * A group is meant for one job. Like errgroup's, it stays usable after `wait()`: `go()` and
 * `tryGo()` still start tasks while under the limit, and a later `wait()` waits for them.
 * But, as with Go's `WithContext`, the signal stays aborted, so those tasks receive an
 * aborted signal; with a limit, a task that would have to queue is dropped at once and makes
 * `wait()` reject; and a recorded failure stays. For a new job, create a new `Group`.
 *
 * ## Misuse
 * - Invalid arguments (`go(42)`, `tryGo(null)`, `new Group({ limit: 'x' })`,
 *   `new Group({ signal: {} })`, `setLimit(1.5)`) throw `TypeError` and change nothing.
 * - `setLimit()` while tasks run throws `WaitGroupError` `ERR_GROUP_LIMIT_WHILE_ACTIVE` with
 *   errgroup's message, where errgroup panics.
 * - `go()` with a limit of 0, where errgroup's `Go` blocks forever, throws `WaitGroupError`
 *   `ERR_GROUP_LIMIT_ZERO`: a promise that never settles would be a silent hang.
 * - A task whose promise never settles keeps `wait()` pending forever, as in Go.
 *
 * @example
 * ```ts
 * import { Group } from 'waitgroups';
 *
 * const group = new Group({ limit: 4 });
 * const sizes = new Map<string, number>();
 * for (const url of ['https://example.com/a', 'https://example.com/b', 'https://example.com/c']) {
 *   group.go(async (signal) => {
 *     const response = await fetch(url, { signal }); // stops when another download fails
 *     if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
 *     sizes.set(url, (await response.arrayBuffer()).byteLength);
 *   });
 * }
 * await group.wait(); // rejects with the first error, after every started task has settled
 * ```
 */
export class Group {
  /** Counts every task not finished: running or queued. `wait()` is its `wait()`. */
  readonly #wg = new WaitGroup();
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal | undefined;
  #limit: number;
  #active = 0;
  /** Tasks waiting for a free slot; `#queue[#head]` is the next one. */
  #queue: (Task | undefined)[] = [];
  #head = 0;
  #draining = false;
  #failed = false;
  #error: unknown = undefined;
  #dropped = false;
  /** The failure, pending until a `wait()` rejects with it (internal/unobserved.ts). */
  #failure: Failure | null = null;

  // One pair of settlers per group, shared by all its tasks: no closure per task. They never
  // throw, so the promise runTask returns never rejects.
  readonly #settle: TaskSettlers = {
    fulfilled: (): void => this.#settled(),
    rejected: (error: unknown): void => {
      this.#fail(error);
      this.#settled();
    },
  };
  readonly #onParentAbort = (): void => this.#abort(this.#parent?.reason);
  readonly #onIdle = (): void => {
    this.#abort(undefined);
    if (this.#failed) {
      if (this.#failure !== null) observed(this.#failure);
      throw this.#error;
    }
    if (this.#dropped) throw this.#controller.signal.reason;
  };

  /**
   * Creates a group: errgroup's zero `Group` when called without options, its `WithContext`
   * with a `signal`, its `SetLimit` with a `limit`.
   *
   * A parent signal that is already aborted aborts the group's signal at once, with the same
   * reason; tasks then start with an aborted signal while under the limit, and any task that
   * would have to queue is dropped.
   *
   * @param options - `{ signal, limit }`, both optional
   * @throws `TypeError` if `options` is not an object, `signal` is not an `AbortSignal`, or
   *   `limit` is neither an integer nor `±Infinity`
   *
   * @example
   * ```ts
   * import { Group } from 'waitgroups';
   *
   * const controller = new AbortController();
   * const group = new Group({ signal: controller.signal, limit: 8 });
   * ```
   */
  constructor(options?: GroupOptions) {
    const { signal, limit } = checkGroupOptions(options);
    this.#limit = limit;
    this.#parent = signal;
    if (signal === undefined) return;
    if (signal.aborted) this.#abort(signal.reason);
    else signal.addEventListener('abort', this.#onParentAbort);
  }

  /**
   * signal is the group's `AbortSignal`, the one every task receives: errgroup's derived
   * `ctx`. It aborts the first time a task fails (reason: that error, as thrown), when the
   * parent signal aborts (reason: the parent's reason), or when `wait()` settles (reason: an
   * `AbortError`), whichever comes first, and it stays aborted.
   *
   * @example
   * ```ts
   * import { Group } from 'waitgroups';
   *
   * const group = new Group();
   * group.go(() => {
   *   throw new Error('boom');
   * });
   * console.log(group.signal.aborted, group.signal.reason); // true Error: boom
   * await group.wait().catch(() => {});
   * ```
   */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * go starts `fn(group.signal)` as a task of the group when fewer tasks than the limit are
   * running, and otherwise queues it, in order, to start when a running task finishes. It
   * never blocks and never throws because of a task: a task's failure (a synchronous throw
   * or a rejected promise) is recorded, aborts the signal, and is reported by `wait()`.
   *
   * `fn` is called synchronously when a slot is free, like a `Promise` executor; its result
   * may be a value, a promise or any thenable, and the task ends when that settles. Tasks may
   * call `go` themselves, also under a limit: the new task is queued, nothing waits on it, so
   * nothing deadlocks.
   *
   * ## Cancellation
   * Once the signal has aborted, a task that would have to queue is dropped instead, never
   * started, and `wait()` will reject; tasks queued before are dropped too. A task that finds
   * a free slot still starts, with the aborted signal, as errgroup's `Go` runs `f` with a
   * cancelled context: check `signal.aborted` (or call `signal.throwIfAborted()`) first.
   *
   * @param fn - the task; it receives the group's signal
   * @throws `TypeError` if `fn` is not a function
   * @throws `WaitGroupError` `ERR_GROUP_LIMIT_ZERO` if the limit is 0, where errgroup's `Go`
   *   would block forever
   * @throws `RangeError` if 2^31-1 tasks are already unfinished (the `WaitGroup` maximum)
   *
   * Whatever it throws, `fn` is not called and the group is unchanged.
   *
   * @example
   * ```ts
   * import { Group } from 'waitgroups';
   *
   * const group = new Group({ limit: 2 });
   * for (const id of [1, 2, 3, 4, 5]) {
   *   group.go(async () => { // never more than two run at a time
   *     await new Promise((resolve) => setTimeout(resolve, 10));
   *     console.log(`task ${id} done`);
   *   });
   * }
   * await group.wait();
   * ```
   */
  go(fn: (signal: AbortSignal) => unknown): void {
    checkFunction(fn, 'fn');
    if (this.#active < this.#limit && this.#head === this.#queue.length) {
      this.#wg.add(1);
      this.#start(fn);
    } else if (this.#limit === 0) {
      throw limitZero();
    } else if (this.#controller.signal.aborted) {
      this.#dropped = true; // it would have to queue behind an aborted signal: never started
    } else {
      this.#wg.add(1);
      this.#queue.push(fn);
    }
  }

  /**
   * tryGo starts `fn(group.signal)` as a task and returns `true` when fewer tasks than the
   * limit are running; otherwise it returns `false`, does not call `fn`, and queues nothing.
   * With a limit of 0 it always returns `false`; with no limit it always starts the task.
   *
   * Apart from that it is {@link Group.go}: `fn` is called synchronously, its failure is
   * reported by `wait()`, and after the signal has aborted it still starts `fn` when a slot
   * is free, with the aborted signal (so it keeps working after `wait()`, as errgroup's does).
   *
   * @param fn - the task; it receives the group's signal
   * @throws `TypeError` if `fn` is not a function (then nothing changes)
   * @throws `RangeError` if 2^31-1 tasks are already unfinished
   * @returns whether the task was started
   *
   * @example
   * ```ts
   * import { Group } from 'waitgroups';
   *
   * const group = new Group({ limit: 1 });
   * console.log(group.tryGo(() => new Promise((resolve) => setTimeout(resolve, 10)))); // true
   * // The only slot is taken:
   * console.log(group.tryGo(() => {})); // false
   * await group.wait();
   * ```
   */
  tryGo(fn: (signal: AbortSignal) => unknown): boolean {
    checkFunction(fn, 'fn');
    if (this.#active >= this.#limit || this.#head !== this.#queue.length) return false;
    this.#wg.add(1);
    this.#start(fn);
    return true;
  }

  /**
   * setLimit limits the number of tasks running at once to `n`. A negative `n` or `Infinity`
   * means no limit. With a limit of 0 `tryGo` always returns `false` and `go` throws (see
   * {@link Group.go}).
   *
   * The limit must not change while tasks run: as errgroup panics, `setLimit` then throws,
   * whatever `n` is (errgroup lets a negative `n` through; this group does not, so that a
   * limit never changes under running tasks). Set it before the first `go`, or between jobs.
   *
   * @param n - an integer, or `±Infinity`
   * @throws `TypeError` if `n` is neither an integer nor `±Infinity` (`'3'`, `1.5`, `NaN`)
   * @throws `WaitGroupError` `ERR_GROUP_LIMIT_WHILE_ACTIVE` (`errgroup: modify limit while N
   *   goroutines in the group are still active`) if tasks are running
   *
   * Whatever it throws, the limit is unchanged.
   *
   * @example
   * ```ts
   * import { Group } from 'waitgroups';
   *
   * const group = new Group();
   * group.setLimit(3); // at most three tasks at once
   * group.setLimit(-1); // no limit again
   * ```
   */
  setLimit(n: number): void {
    const limit = checkLimit(n, 'n');
    if (this.#active !== 0) throw limitWhileActive(this.#active);
    this.#limit = limit;
  }

  /**
   * wait returns a promise that resolves when every started task has settled and no task is
   * queued, or rejects, at that same moment, with the first error a task failed with,
   * exactly as thrown (first by time of failure). If tasks were dropped (see
   * {@link Group.go}) and none failed, it rejects with `signal.reason`.
   *
   * When it settles, the group's signal aborts if it has not already (errgroup's `Wait`
   * cancels its context), so that work tied to the signal stops. It may be called several
   * times, by several callers; each call covers the tasks unfinished at the time, including
   * the ones they start, and each gets the same outcome. The outcome is sticky: once a task
   * has failed, every later `wait()` rejects with its error.
   *
   * Unlike `Promise.all`, it does not settle at the first failure: like errgroup's `Wait`, it
   * waits for the tasks already running, which the aborted signal asks to stop.
   *
   * @returns a promise that resolves when the group is idle, or rejects with the first
   *   failure, or with `signal.reason` if tasks were dropped
   *
   * @example
   * ```ts
   * import { Group } from 'waitgroups';
   *
   * const group = new Group();
   * group.go(async () => {
   *   throw new Error('first');
   * });
   * group.go(async () => {
   *   await new Promise((resolve) => setTimeout(resolve, 10));
   *   throw new Error('second');
   * });
   * await group.wait().catch((error) => console.log(error.message)); // first
   * ```
   */
  wait(): Promise<void> {
    return this.#wg.wait().then(this.#onIdle);
  }

  /**
   * `[Symbol.asyncDispose]()` is {@link Group.wait}: `await using group = new Group()` waits,
   * when the block exits, for every task the block started, and the block then throws the
   * first task error, as `await group.wait()` would (Go's `defer g.Wait()`, whose error Go
   * drops; here it is never dropped).
   *
   * ## When the block itself throws
   * A disposer cannot see the block's error, so the group's signal is not aborted by it: the
   * disposal waits for the tasks as they are, to their natural end. If the tasks succeed, the
   * block's error propagates unchanged; if one failed, JavaScript throws a `SuppressedError`
   * whose `error` is the task's error and whose `suppressed` is the block's. To have the
   * block's error stop the tasks, use {@link Group.scope}.
   *
   * @returns what {@link Group.wait} returns
   *
   * @example
   * ```ts
   * import { Group } from 'waitgroups';
   *
   * const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
   * async function squares(numbers: number[]): Promise<Map<number, number>> {
   *   const result = new Map<number, number>();
   *   await using group = new Group({ limit: 4 });
   *   for (const n of numbers) {
   *     group.go(async () => {
   *       await sleep(n);
   *       result.set(n, n * n);
   *     });
   *   }
   *   return result; // after every task has finished; rejects with the first error
   * }
   * console.log((await squares([3, 1, 2])).size); // 3
   * ```
   */
  [asyncDispose](): Promise<void> {
    return this.wait();
  }

  /**
   * scope runs `body(group)` with a new group, Trio's nursery (Python's `TaskGroup`, Kotlin's
   * `coroutineScope`): the tasks the body starts end with the scope. It returns a promise that
   * settles only once every task started has settled, and that:
   * - resolves with the body's value, if the body and every task succeeded;
   * - rejects with the first task error (or the signal's reason if tasks were dropped), as
   *   {@link Group.wait} does, if a task failed;
   * - rejects with the body's error if the body threw (or its promise rejected): the group's
   *   signal then aborts at once with that error, so that the tasks stop early, queued tasks
   *   are dropped, and, once the started ones have settled, the body's error is rethrown.
   *   (Task errors that follow are then not reported: the body's error comes first.)
   *
   * The body may be an async function or any function; it is called synchronously, like a
   * `Promise` executor. Nothing outlives the scope: when it settles, the group's signal has
   * aborted, no task is running, and the group holds no listener on the parent signal.
   *
   * ## Cancellation
   * `signal`, the parent signal, aborts the group's signal with the parent's reason, as for
   * `new Group({ signal })`: running tasks are asked to stop, queued ones are dropped, and the
   * scope rejects with that reason (or a task's error) once the started tasks have settled,
   * unless every task had already run to success.
   *
   * @param body - receives the group; its result may be a value or a promise
   * @param options - `{ signal, limit }`, as for `new Group()`
   * @throws `TypeError`, synchronously, if `body` is not a function or the options are
   *   invalid (as for `new Group()`); nothing runs
   * @returns a promise of the body's value
   *
   * @example
   * ```ts
   * import { Group } from 'waitgroups';
   *
   * const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
   * const pages = await Group.scope(
   *   async (group) => {
   *     const found: string[] = [];
   *     for (const name of ['a', 'b']) {
   *       group.go(async (signal) => {
   *         await sleep(5);
   *         signal.throwIfAborted(); // a sibling failed, or the parent signal aborted
   *         found.push(name);
   *       });
   *     }
   *     return found; // the scope resolves with it once every task has finished
   *   },
   *   { limit: 4, signal: AbortSignal.timeout(10_000) },
   * );
   * console.log(pages.length); // 2
   * ```
   */
  static scope<T>(body: (group: Group) => T | PromiseLike<T>, options?: GroupOptions): Promise<Awaited<T>> {
    checkFunction(body, 'body');
    const group = new Group(options);
    return runScope(body, group, () => group.wait(), (error) => group.#abort(error));
  }

  /** Runs one task in a slot (`#wg` already counts it). Never throws. */
  #start(fn: Task): void {
    this.#active++;
    void runTask(fn, this.#controller.signal, this.#settle);
  }

  /** A task ended: frees its slot, starts queued tasks, then marks it done. */
  #settled(): void {
    this.#active--;
    if (this.#head !== this.#queue.length) this.#drain();
    this.#wg.done();
  }

  /** Starts queued tasks while slots are free. A task that ends at once frees its slot again. */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#active < this.#limit && this.#head !== this.#queue.length) {
        const queue = this.#queue;
        const fn = queue[this.#head]!;
        queue[this.#head] = undefined;
        this.#head++;
        if (this.#head === queue.length) {
          queue.length = 0;
          this.#head = 0;
        } else if (this.#head >= COMPACT_AT && this.#head * 2 >= queue.length) {
          queue.splice(0, this.#head);
          this.#head = 0;
        }
        this.#start(fn);
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Records a task's failure; the first one wins and aborts the signal. */
  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#error = error;
    this.#failure = failed(this, error);
    this.#abort(error);
  }

  /**
   * Aborts the group's signal, unless it already is: detaches from the parent, drops the
   * queued tasks, then lets the signal's listeners run.
   */
  #abort(reason: unknown): void {
    const signal = this.#controller.signal;
    if (signal.aborted) return;
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
    const dropped = this.#queue.length - this.#head;
    if (dropped > 0) {
      this.#queue = [];
      this.#head = 0;
      this.#dropped = true;
      this.#wg.add(-dropped);
    }
    this.#controller.abort(reason);
  }
}
