import { MAX_COUNT, counterOverflow, negativeCounter, waitTimedOut } from './errors.js';
import { debugByDefault, outstandingOf, track, trackers, type OutstandingTask } from './internal/debug.js';
import { Round } from './internal/round.js';
import { runTask, taskSettlers, type TaskSettlers } from './internal/task-runner.js';
import { checkDebugOption, checkDelta, checkFunction, checkLabel, checkWaitOptions } from './internal/validate.js';
import { taskHandle, type TaskHandle } from './task.js';

/**
 * WaitOptions are the options of `wait()`: ways to stop waiting before the counter reaches
 * zero. Go's `Wait` has neither; see {@link WaitGroup.wait}.
 */
export interface WaitOptions {
  /** Stops waiting when aborted; the wait rejects with `signal.reason`, unwrapped. */
  signal?: AbortSignal | undefined;
  /**
   * Stops waiting after this many milliseconds (0 to 2^31-1, or `Infinity` for none); the
   * wait rejects with a `WaitGroupError` of code `ERR_WAITGROUP_TIMEOUT`.
   */
  timeout?: number | undefined;
}

/**
 * WaitGroupLike is what every wait group of this package offers: Go's `Add`, `Done`,
 * `Wait` and `Go`, plus the counter and the number of pending waiters. Write code that
 * only counts tasks against this interface and it works with a {@link WaitGroup} in one
 * thread and with a shared group across threads alike.
 */
export interface WaitGroupLike {
  /** Adds `delta` (default 1) to the counter; see {@link WaitGroup.add}. */
  add(delta?: number): void;
  /** Decrements the counter by one; see {@link WaitGroup.done}. */
  done(): void;
  /** Resolves when the counter is zero; see {@link WaitGroup.wait}. */
  wait(options?: WaitOptions): Promise<void>;
  /** Runs `fn` as a counted task; see {@link WaitGroup.go}. */
  go<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>>;
  /** Takes one unit as a handle whose `done()` works once; see {@link WaitGroup.task}. */
  task(label?: string): TaskHandle;
  /** The counter: tasks added and not yet done. */
  readonly count: number;
  /** The number of `wait()` calls still pending. */
  readonly waiters: number;
}

/** WaitGroupOptions are the options of `new WaitGroup()`. */
export interface WaitGroupOptions {
  /**
   * Records the label, start time and creation site of every unit not yet done, for
   * {@link WaitGroup.inspect}, timeout messages and the deadlock report. Off by default,
   * unless the environment variable `WAITGROUPS_DEBUG=1` turns it on for every group.
   */
  debug?: boolean | undefined;
}

/** WaitGroupInspection is what {@link WaitGroup.inspect} returns: a snapshot. */
export interface WaitGroupInspection {
  /** The counter. */
  readonly count: number;
  /** The number of `wait()` calls still pending. */
  readonly waiters: number;
  /** Whether the group is in debug mode, so that `outstanding` is recorded. */
  readonly debug: boolean;
  /** The units not yet done, oldest first; empty unless in debug mode. */
  readonly outstanding: readonly OutstandingTask[];
}

const resolved: Promise<void> = Promise.resolve();

/** The prototype of debug groups: WaitGroup's, with add() and done() that also record. */
let debugPrototype: WaitGroup;

/**
 * WaitGroup waits for a collection of tasks to finish, in one thread: Go's `sync.WaitGroup`
 * for promises and async functions.
 *
 * The main task calls {@link WaitGroup.add} to set the number of tasks to wait for; each
 * task calls {@link WaitGroup.done} when it finishes; {@link WaitGroup.wait} returns a
 * promise that resolves once every task is done. {@link WaitGroup.go} does all three steps
 * for one async function. Unlike `Promise.all`, the set of tasks need not be known up front:
 * a task may start more tasks, and the wait covers them too.
 *
 * A new `WaitGroup` is ready to use with a counter of zero, like Go's zero value, and it may
 * be reused as soon as a round has completed.
 *
 * ## Misuse
 * - Taking the counter below zero (an extra `done()`) throws `WaitGroupError`
 *   `ERR_WAITGROUP_NEGATIVE_COUNTER` with Go's message, `sync: negative WaitGroup counter`,
 *   and leaves the counter unchanged, so the group stays usable after the error is caught.
 * - Go's two other panics, `Add called concurrently with Wait` and `reused before previous
 *   Wait has returned`, cannot happen here: JavaScript runs one piece of code at a time to
 *   completion, so an `add` can never interleave with a waiter's registration, and every
 *   `wait()` belongs to the round in which it was called (see {@link WaitGroup.wait}).
 * - What stays racy is the logic, not the memory: an `add` placed after an `await` or inside
 *   a timer may come after the counter already reached zero and released the waiters. Call
 *   `add` before starting the task, or use `go`, which does it for you.
 *
 * ## Diagnosing a stuck group
 * - {@link WaitGroup.task} hands out a unit as a handle whose `done()` works once and that
 *   `using` marks done at the end of a block, Go's `defer wg.Done()`.
 * - In debug mode (`new WaitGroup({ debug: true })`, or `WAITGROUPS_DEBUG=1` for every group)
 *   the group records each unit not yet done, with its label, start time and site:
 *   {@link WaitGroup.inspect} returns them, a timed-out `wait()` lists them, and a `done()`
 *   too many names the `add` it most likely belonged to. Off, it records nothing and costs
 *   nothing.
 * - When the process is about to exit with nothing left to run while a `wait()` of an
 *   in-thread group is still pending (Node, Deno and Bun), no task can ever call `done()`:
 *   a report like Go's `all goroutines are asleep - deadlock!` goes to stderr and the exit
 *   code becomes 1. A pending `wait()` is kept, with its group, until then, as Go keeps a
 *   blocked goroutine. A process that ends by `process.exit()` is not inspected.
 *
 * @example
 * ```ts
 * import { WaitGroup } from 'waitgroups';
 *
 * const wg = new WaitGroup();
 * for (const id of [1, 2, 3]) {
 *   wg.add(1);
 *   setTimeout(() => {
 *     console.log(`task ${id} done`);
 *     wg.done();
 *   }, id * 500);
 * }
 * await wg.wait();
 * console.log('all tasks done');
 * ```
 */
export class WaitGroup implements WaitGroupLike {
  #count: number;
  /** The resolver of the current round's promise: set while the round has (had) waiters. */
  #resolve: (() => void) | null;
  /** The waiters' side of the rounds, made at the first wait and reused (see Round). */
  #round: Round | null;
  #settle: TaskSettlers | null;

  /**
   * Creates a group with a counter of zero (Go's zero value).
   *
   * @param options - `{ debug }`: record outstanding units (see {@link WaitGroupOptions})
   * @throws `TypeError` if `options` is not an object or `debug` not a boolean
   */
  constructor(options?: WaitGroupOptions) {
    // Assigned here, not by field initialisers, which measured slower (see Round).
    this.#count = 0;
    this.#resolve = null;
    this.#round = null;
    this.#settle = null;
    if (options === undefined ? debugByDefault : (checkDebugOption(options) ?? debugByDefault)) {
      track(this);
      // A debug group gets recording add() and done() from a prototype of its own, so that the
      // add() and done() of every other group have nothing to check.
      Object.setPrototypeOf(this, debugPrototype);
    }
  }

  /**
   * add adds `delta`, which may be negative, to the counter. When the counter reaches zero,
   * every pending `wait()` resolves.
   *
   * Call `add` with a positive delta before starting the task it counts: a positive `add`
   * that starts from zero must happen before the `wait()` meant to cover it.
   *
   * `add(0)` does nothing; in particular it releases nobody.
   *
   * @param delta - a safe integer; default 1
   * @throws `TypeError` if `delta` is not a safe integer (`'1'`, `1.5`, `NaN`, `Infinity`)
   * @throws `RangeError` if the counter would exceed 2^31-1, Go's int32 maximum (Go wraps
   *   around; this group refuses)
   * @throws `WaitGroupError` `ERR_WAITGROUP_NEGATIVE_COUNTER` if the counter would go below
   *   zero
   *
   * Whatever it throws, the counter is unchanged.
   *
   * @example
   * ```ts
   * import { WaitGroup } from 'waitgroups';
   *
   * const wg = new WaitGroup();
   * wg.add(3);
   * wg.add(-3); // back to zero
   * await wg.wait(); // resolves at once
   * ```
   */
  add(delta = 1): void {
    // Int32 deltas skip the full check; anything else (a string, 1.5, 2^40) takes it.
    if (typeof delta !== 'number' || (delta | 0) !== delta) checkDelta(delta);
    // Add first and check after, undoing on error: this shape let V8 optimise an add/done
    // pair as well as a bare counter (bench/in-thread.bench.ts); branching first was 2.7x
    // slower. Nothing can observe the undone value: this thread runs to completion.
    const count = (this.#count += delta);
    if (count > 0 ? count > MAX_COUNT : count < 0 || this.#resolve !== null) WaitGroup.#crossed(this, delta);
  }

  /**
   * done decrements the counter by one: `add(-1)`. Call it once when a task finishes,
   * whether it succeeded or failed (`try … finally`, or let {@link WaitGroup.go} do it).
   *
   * @throws `WaitGroupError` `ERR_WAITGROUP_NEGATIVE_COUNTER` (`sync: negative WaitGroup
   *   counter`) if the counter is already zero; the counter stays at zero
   *
   * @example
   * ```ts
   * import { WaitGroup } from 'waitgroups';
   *
   * const wg = new WaitGroup();
   * wg.add(1);
   * queueMicrotask(() => wg.done());
   * await wg.wait();
   * ```
   */
  done(): void {
    WaitGroup.#down(this);
  }

  /**
   * task takes one unit of the counter as a handle: `add(1)` now, and the handle's `done()`,
   * which works exactly once, later. The handle is `Disposable`, so `using` marks the task
   * done when its block exits, normally or by a throw: Go's `defer wg.Done()`.
   *
   * In debug mode the label, the time and the site are recorded until the handle is done.
   *
   * @param label - names the task in errors and reports; default `''`
   * @throws `TypeError` if `label` is not a string; `RangeError` if the counter is at its
   *   maximum (nothing changes)
   * @returns the handle; a second `done()` on it throws `WaitGroupError`
   *   `ERR_WAITGROUP_TASK_ALREADY_DONE`
   *
   * @example
   * ```ts
   * import { WaitGroup } from 'waitgroups';
   *
   * const wg = new WaitGroup();
   * for (const file of ['a.txt', 'b.txt']) {
   *   void (async () => {
   *     using task = wg.task(file); // done however the block exits
   *     await new Promise((resolve) => setTimeout(resolve, 10));
   *   })();
   * }
   * await wg.wait();
   * ```
   */
  task(label = ''): TaskHandle {
    checkLabel(label);
    WaitGroup.#up(this);
    const token = trackers?.get(this)?.started('task', label);
    return taskHandle(label, () => WaitGroup.#finish(this, token));
  }

  /**
   * inspect returns a snapshot of the group: the counter, the pending waits and, in debug
   * mode, every unit not yet done (oldest first, with label, start time and site), the same
   * list that a timed-out `wait()` puts in its message.
   *
   * @example
   * ```ts
   * import { WaitGroup } from 'waitgroups';
   *
   * const wg = new WaitGroup({ debug: true });
   * const task = wg.task('load config');
   * console.log(wg.inspect().outstanding[0]?.label); // load config
   * task.done();
   * ```
   */
  inspect(): WaitGroupInspection {
    const tracker = trackers?.get(this);
    return { count: this.#count, waiters: this.waiters, debug: tracker !== undefined, outstanding: tracker?.outstanding() ?? [] };
  }

  /**
   * wait returns a promise that resolves when the counter is zero.
   *
   * At zero it resolves at once, leaving no timer and no listener behind. Otherwise the
   * wait joins the current round: it resolves when the counter next reaches zero, even if
   * the group is reused right after (a positive `add` in the same tick starts a new round
   * that this wait is not part of). Calling `wait()` several times, from several callers,
   * is fine; waits without options in the same round may share one promise.
   *
   * ## Cancellation
   * - `signal`: when it aborts, the wait rejects with `signal.reason`, unwrapped, as
   *   platform APIs do. A signal already aborted rejects at once without joining the round,
   *   even at counter zero (the signal is checked first, as `fetch` and `setTimeout` from
   *   `timers/promises` do).
   * - `timeout`: after this many milliseconds the wait rejects with `WaitGroupError`
   *   `ERR_WAITGROUP_TIMEOUT`, whose message gives the counter at that moment. `timeout: 0`
   *   rejects at once unless the counter is zero; `Infinity` means no timeout.
   * - A wait that gives up leaves at once: `waiters` drops, its abort listener and its timer
   *   are removed, and the counter is not touched. A pending timeout keeps the process
   *   alive, as any timer does, so that it can fire.
   *
   * @param options - `{ signal, timeout }`, both optional
   * @throws `TypeError`, synchronously, if `options` is not an object, `signal` is not an
   *   `AbortSignal`, or `timeout` is not a number; `RangeError`, synchronously, if `timeout`
   *   is negative or above 2^31-1. Invalid options are a bug at the call site, so they throw
   *   rather than reject, and nothing is registered.
   * @returns a promise that resolves when the counter reaches zero, or rejects with
   *   `signal.reason` or `ERR_WAITGROUP_TIMEOUT`
   *
   * @example
   * ```ts
   * import { WaitGroup, WaitGroupError } from 'waitgroups';
   *
   * const wg = new WaitGroup();
   * wg.add(1); // a task that never finishes
   * try {
   *   await wg.wait({ timeout: 100 });
   * } catch (error) {
   *   console.log((error as WaitGroupError).code); // ERR_WAITGROUP_TIMEOUT
   * }
   * ```
   */
  wait(options?: WaitOptions): Promise<void> {
    if (options === undefined) {
      if (this.#count === 0) return resolved;
      const round = this.#resolve === null ? WaitGroup.#open(this) : this.#round!;
      // Round.enter(), written out: on the wake path the call measured about 5% of the
      // instructions (callgrind; see docs/benchmarks.md).
      if (round.waiters++ === 0 && !round.listed) round.list();
      return round.promise!;
    }
    const { signal, timeout } = checkWaitOptions(options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#count === 0) return resolved;
    if (timeout === 0) return Promise.reject(waitTimedOut(0, this.#count, outstandingOf(this)));
    const round = this.#resolve === null ? WaitGroup.#open(this) : this.#round!;
    return signal === undefined && timeout === undefined ? round.enter() : round.join(signal, timeout);
  }

  /**
   * go runs `fn` as a task of the group: `add(1)` before returning, `done()` when `fn`'s
   * outcome settles, whatever it is (a return value, a synchronous throw, a fulfilled or a
   * rejected promise). The promise it returns settles with that same outcome.
   *
   * `fn` is called synchronously, like a `Promise` executor, and becomes a separate task at
   * its first `await`; code must not rely on whether it has started when `go` returns.
   * Tasks may call `go` themselves: the counter is raised before the parent finishes, so
   * the wait covers them.
   *
   * ## Failures
   * A failing task is done, and its error is reported through the returned promise, never
   * swallowed: ignoring the promise of a failed task gives an unhandled rejection, as any
   * ignored rejected promise does. This differs from Go 1.26, whose `Go` does not mark a
   * panicking task done (the process dies anyway): in JavaScript a rejection is the ordinary
   * error channel, and a `wait()` that hangs forever is worse than one that returns while
   * the error is reported. For first-error semantics and cancellation use `Group`.
   *
   * @param fn - the task; its result may be a value or a promise
   * @throws `TypeError` if `fn` is not a function; `RangeError` if the counter is at its
   *   maximum (then `fn` is not called)
   * @returns a promise of `fn`'s result
   *
   * @example
   * ```ts
   * import { WaitGroup } from 'waitgroups';
   *
   * const wg = new WaitGroup();
   * const sizes: number[] = [];
   * for (const url of ['https://example.com/a', 'https://example.com/b']) {
   *   wg.go(async () => {
   *     const response = await fetch(url);
   *     sizes.push((await response.arrayBuffer()).byteLength);
   *   }).catch((error) => console.error(url, error));
   * }
   * await wg.wait();
   * ```
   */
  go<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    checkFunction(fn, 'fn');
    WaitGroup.#up(this);
    const token = trackers?.get(this)?.started('go', fn.name);
    // One pair of settlers per group, made on first use (a debug task has its own pair, which
    // ends its record).
    const settle =
      token === undefined
        ? (this.#settle ??= taskSettlers(() => WaitGroup.#down(this)))
        : taskSettlers(() => WaitGroup.#finish(this, token));
    return runTask(fn, undefined, settle) as Promise<Awaited<T>>;
  }

  /** count is the counter: tasks added and not yet done. */
  get count(): number {
    return this.#count;
  }

  /** waiters is the number of `wait()` calls still pending (Go's waiter count). */
  get waiters(): number {
    return this.#round?.waiters ?? 0;
  }

  // Static rather than instance private methods: an instance private method costs every
  // instance a brand slot, 8 bytes of the 56-byte budget.

  /**
   * The slow path of `add(delta)`, which left the counter at zero with waiters, or outside
   * `[0, 2^31-1]`: at zero, releases the round; otherwise undoes the add and throws.
   */
  static #crossed(group: WaitGroup, delta: number): void {
    const count = group.#count;
    if (count === 0) {
      if (group.#resolve !== null) WaitGroup.#release(group);
      return;
    }
    group.#count = count - delta;
    if (count > 0) throw counterOverflow(count - delta, delta);
    const owner = trackers?.get(group)?.lastSpentSite();
    throw negativeCounter(undefined, owner && `waitgroups debug: the last units done came from ${owner}; this is one done() too many`);
  }

  /** Releases the open round: resolves its promise, then settles its cancellable waiters. */
  static #release(group: WaitGroup): void {
    const resolve = group.#resolve!;
    group.#resolve = null;
    resolve();
    group.#round!.release();
  }

  /** Opens a round: a new promise, whose resolver the group keeps; returns the round. */
  static #open(group: WaitGroup): Round {
    const round = (group.#round ??= new Round(group));
    // A closure executor: V8 inlines it, where a shared one measured 1.3x slower on the wake
    // path (bench/loop.ts).
    round.promise = new Promise<void>((resolve) => {
      group.#resolve = resolve;
    });
    return round;
  }

  /** One unit up, for `go()` and `task()`: never from zero with waiters, never recorded. */
  static #up(group: WaitGroup): void {
    if (++group.#count > MAX_COUNT) {
      group.#count--;
      throw counterOverflow(MAX_COUNT, 1);
    }
  }

  /** One unit down: `done()` without the record of a plain `add`. */
  static #down(group: WaitGroup): void {
    const count = --group.#count;
    // The release at zero is written out here rather than left to #crossed: on the wake path
    // (add, wait, done, await) the call measured about 6% of the instructions.
    if (count <= 0) {
      if (count !== 0) WaitGroup.#crossed(group, -1);
      else if (group.#resolve !== null) WaitGroup.#release(group);
    }
  }

  /** Debug mode: records a plain `add(delta)` or `done()` that succeeded. */
  static #record(group: WaitGroup, delta: number): void {
    const tracker = trackers?.get(group);
    if (tracker === undefined || delta === 0) return;
    if (delta > 0) tracker.added(delta);
    else tracker.spent(-delta);
  }

  /** Ends a task of `go()` or `task()`: its debug record (if any), then one unit down. */
  static #finish(group: WaitGroup, token: object | undefined): void {
    if (token !== undefined) trackers?.get(group)?.ended(token);
    WaitGroup.#down(group);
  }

  // The add() and done() of debug groups are copies of WaitGroup's, not calls to them: a call
  // would show V8 a second object shape in WaitGroup's own add() and done(), which measured 3.6x
  // slower for every other group once one debug group existed (bench/in-thread.bench.ts).
  static {
    debugPrototype = Object.create(WaitGroup.prototype, {
      add: {
        value: function add(this: WaitGroup, delta = 1): void {
          if (typeof delta !== 'number' || (delta | 0) !== delta) checkDelta(delta);
          const count = (this.#count += delta);
          if (count > 0 ? count > MAX_COUNT : count < 0 || this.#resolve !== null) WaitGroup.#crossed(this, delta);
          WaitGroup.#record(this, delta);
        },
        writable: true,
        configurable: true,
      },
      done: {
        value: function done(this: WaitGroup): void {
          const count = --this.#count;
          if (count <= 0 && (count < 0 || this.#resolve !== null)) WaitGroup.#crossed(this, -1);
          WaitGroup.#record(this, -1);
        },
        writable: true,
        configurable: true,
      },
    }) as WaitGroup;
  }
}
