import { MAX_COUNT, cannotBlock, cannotBlockWatching, counterOverflow, negativeCounter, notAWorker, reused, waitTimedOut, workerDied } from './errors.js';
import { afterAdd, register, release, withdraw, type GroupMemory } from './internal/shared-protocol.js';
import {
  ADD_ONE_LIMIT,
  BYTE_LENGTH,
  COUNTER_MINUS_ONE,
  COUNTER_ONE,
  COUNTER_ONE_NO_WAITERS,
  COUNTER_TWO,
  WAITER_ONE,
  WAKE_OFFSET,
  checkMemory,
  counterIsZero,
  counterOf,
  generationOf,
  isIdle,
  waitersOf,
} from './internal/shared-state.js';
import { AsyncParking } from './internal/shared-waiters.js';
import { runTask, taskSettlers, type TaskSettlers } from './internal/task-runner.js';
import { checkDelta, checkFunction, checkLabel, checkSyncOptions, checkWaitOptions, checkWatchOptions } from './internal/validate.js';
import { defaultName, isWatchable, watchWorker, type WatchableWorker } from './internal/worker-watch.js';
import { LEASE_BYTE_LENGTH, holdLeaseLock, markLease } from './internal/lease-lock.js';
import { asyncDispose } from './internal/dispose.js';
import { taskHandle, type TaskHandle } from './task.js';
import type { WaitGroup, WaitGroupLike, WaitOptions } from './wait-group.js';

const resolved: Promise<void> = Promise.resolve();

/** WatchOptions are the options of {@link SharedWaitGroup.watch}. */
export interface WatchOptions {
  /** How many `done()`s the worker owes the group: 1 to 2^31-1, default 1. */
  units?: number | undefined;
  /**
   * The worker's name in the error; default `worker thread <threadId>` for a `node:worker_threads`
   * worker, `Web Worker #<n>` for a Web Worker.
   */
  name?: string | undefined;
}

/** WaitSyncOptions are the options of {@link SharedWaitGroup.waitSync}. */
export interface WaitSyncOptions {
  /**
   * Stops waiting after this many milliseconds (0 to 2^31-1, or `Infinity` for none); the wait
   * throws a `WaitGroupError` of code `ERR_WAITGROUP_TIMEOUT`.
   */
  timeout?: number | undefined;
}

/**
 * SharedWaitGroup waits for a collection of tasks to finish across threads: Go's
 * `sync.WaitGroup` in a `SharedArrayBuffer`, for worker threads (Node's `worker_threads`, Web
 * Workers, Deno and Bun workers).
 *
 * The group is 16 bytes of shared memory ({@link SharedWaitGroup.BYTE_LENGTH}): Go's 64-bit
 * state word (counter and waiter count, plus a round generation) and a wake word, updated with
 * `Atomics`. One thread creates the group and passes `buffer` and `byteOffset` to the others,
 * which attach with `new SharedWaitGroup(buffer, byteOffset)`; posting the group object itself
 * works too, because a structured clone carries exactly those two properties. Every thread then
 * holds the same group: {@link SharedWaitGroup.add} and {@link SharedWaitGroup.done} from any of
 * them count, and {@link SharedWaitGroup.wait} (a promise, never blocking) or
 * {@link SharedWaitGroup.waitSync} (blocking, like Go's `Wait`) return once the counter is zero.
 *
 * Zero-filled memory is a group with counter zero, like Go's zero value, so several groups may
 * live side by side in one buffer, and attaching never writes. The group may be reused as soon
 * as a round has completed.
 *
 * ## Misuse
 * Go's three panics are errors here, with Go's messages, and the call that fails changes
 * nothing once it returns:
 * - a counter taken below zero: `WaitGroupError` `ERR_WAITGROUP_NEGATIVE_COUNTER`
 *   (`sync: negative WaitGroup counter`); see {@link SharedWaitGroup.add} for what other
 *   threads may observe while it is refused;
 * - a positive `add` from zero while waiters are registered (the `add` raced with a `wait` it
 *   should have preceded, or with the release of the last round): `ERR_WAITGROUP_MISUSE`
 *   (`sync: WaitGroup misuse: Add called concurrently with Wait`);
 * - a `waitSync()` that wakes to find its released group already in a new round:
 *   `ERR_WAITGROUP_REUSED` (`sync: WaitGroup is reused before previous Wait has returned`).
 *   An asynchronous `wait()` instead belongs to its round, as {@link WaitGroup.wait} does, and
 *   resolves even if the group was reused before it ran.
 *
 * ## Reuse
 * The release of a round resets the state before it wakes anybody, so a thread whose own wait
 * has returned may reopen the group with `add` at once, and that `add` succeeds. A `waitSync()`
 * of the last round in another thread that wakes only after the reopening throws
 * `ERR_WAITGROUP_REUSED` (its round did complete); a `wait()` resolves. `ERR_WAITGROUP_MISUSE`
 * comes from an `add` that races the `done()` ending a round, in a thread that did not wait for
 * it. Reuse a group once every waiter of the last round is known to have returned, as in Go.
 *
 * A group is its memory: a copy of the bytes (a plain `ArrayBuffer`, a copied typed array) is
 * another group, which is why the constructor refuses anything but a `SharedArrayBuffer`.
 *
 * ## Cancellation
 * `wait({ signal, timeout })` and `waitSync({ timeout })` give up like {@link WaitGroup.wait}
 * (Go's `Wait` has neither). A waiter that gives up withdraws its registration from shared
 * memory unless a release has already counted it, in which case it has been released and
 * returns normally; it never takes a wake-up meant for another waiter and leaves nothing
 * behind for a later round.
 *
 * ## Memory ordering
 * Everything a thread wrote before its `done()`, plain (non-atomic) writes to shared memory
 * included, is visible to every thread whose `wait()` or `waitSync()` that `done()` released,
 * and to a wait that finds the counter already at zero. `Atomics` operations are sequentially
 * consistent, every `add`/`done` is a read-modify-write of the one 64-bit state word, so each
 * reads from the previous one, and a waiter returns only after an atomic read of that same word
 * that sees the counter's zero (or the reset of the release that followed it): that read
 * synchronizes with the last `done()`, which in turn read from every earlier one. This is Go's
 * rule, "a call to Done synchronizes before the return of any Wait call that it unblocks".
 *
 * @example
 * ```ts
 * // main.ts
 * import { Worker } from 'node:worker_threads';
 * import { SharedWaitGroup } from 'waitgroups';
 *
 * const wg = new SharedWaitGroup();
 * const results = new Int32Array(new SharedArrayBuffer(4 * 4));
 * wg.add(4);
 * for (let i = 0; i < 4; i++) {
 *   new Worker(new URL('./worker.js', import.meta.url), {
 *     workerData: { buffer: wg.buffer, byteOffset: wg.byteOffset, results, i },
 *   });
 * }
 * await wg.wait();
 * console.log(results); // Int32Array(4) [ 0, 1, 4, 9 ]
 * ```
 *
 * @example
 * ```ts
 * // worker.ts
 * import { workerData } from 'node:worker_threads';
 * import { SharedWaitGroup } from 'waitgroups';
 *
 * const wg = new SharedWaitGroup(workerData.buffer, workerData.byteOffset);
 * workerData.results[workerData.i] = workerData.i * workerData.i;
 * wg.done();
 * ```
 */
export class SharedWaitGroup implements WaitGroupLike, SharedWaitGroupMemory {
  /** BYTE_LENGTH is the number of bytes of shared memory one group occupies: 16. */
  static readonly BYTE_LENGTH: number = BYTE_LENGTH;

  /**
   * buffer is the shared memory that holds the group. It is an own enumerable property, so a
   * structured clone of the group (`postMessage(wg)`) carries it to another thread.
   */
  declare readonly buffer: SharedArrayBuffer;

  /** byteOffset is where the group starts in {@link SharedWaitGroup.buffer}; a multiple of 8. */
  declare readonly byteOffset: number;

  readonly #state: BigInt64Array;
  /** The views and the release hook that the protocol (internal/shared-protocol.ts) works on. */
  readonly #memory: GroupMemory;
  #parking: AsyncParking | null;
  #settle: TaskSettlers | null;
  /** Set when a watched worker is gone owing done()s: every later wait of this object rejects with it. */
  #died: unknown;
  /** Watched workers whose units this object has not handed on yet. */
  #leases: number;

  /**
   * Creates a group: in memory of its own, or attached to `buffer` at `byteOffset`.
   *
   * Attaching writes nothing: zero-filled memory is a group with counter zero, and memory that
   * another thread's group already uses is that same group. Reserve
   * {@link SharedWaitGroup.BYTE_LENGTH} bytes per group, at offsets that are multiples of 8.
   *
   * @param buffer - the shared memory; omitted, the group allocates its own
   * @param byteOffset - where the group starts in `buffer`; default 0
   * @throws `TypeError` if `buffer` is given and is not a `SharedArrayBuffer` (a plain
   *   `ArrayBuffer` would be a copy, not the same group), if `byteOffset` is not a number, or
   *   if the context has no `SharedArrayBuffer` at all (a browser page that is not
   *   cross-origin isolated)
   * @throws `RangeError` if `byteOffset` is negative, not an integer, not a multiple of 8, or
   *   leaves fewer than {@link SharedWaitGroup.BYTE_LENGTH} bytes; or if the bytes there cannot
   *   be a group (a negative counter, a reserved word that is not zero), naming the offset
   *
   * @example
   * ```ts
   * import { SharedWaitGroup } from 'waitgroups';
   *
   * // Two groups in one buffer; a worker attaches to the second one.
   * const buffer = new SharedArrayBuffer(2 * SharedWaitGroup.BYTE_LENGTH);
   * const first = new SharedWaitGroup(buffer, 0);
   * const second = new SharedWaitGroup(buffer, SharedWaitGroup.BYTE_LENGTH);
   * second.add(1);
   * const again = new SharedWaitGroup(second.buffer, second.byteOffset); // the same group
   * console.log(first.count, again.count); // 0 1
   * ```
   */
  constructor(buffer?: SharedArrayBuffer, byteOffset: number = 0) {
    const memory = checkMemory(buffer, byteOffset);
    Object.defineProperty(this, 'buffer', { value: memory, enumerable: true });
    Object.defineProperty(this, 'byteOffset', { value: byteOffset, enumerable: true });
    this.#state = new BigInt64Array(memory, byteOffset, 1);
    this.#memory = {
      state: this.#state,
      wake: new Int32Array(memory, byteOffset + WAKE_OFFSET, 1),
      released: () => this.#parking?.sweep(),
    };
    this.#parking = null;
    this.#settle = null;
    this.#died = null;
    this.#leases = 0;
    holdLeaseLock(memory, byteOffset); // a Web Worker attaching to its lease: see watch()
  }

  /**
   * add adds `delta`, which may be negative, to the counter, from any thread. When the counter
   * reaches zero, every waiter of the round is released, in every thread.
   *
   * Call `add` with a positive delta before starting the task it counts (before posting it to
   * a worker): a positive `add` that starts from zero must happen before the waits meant to
   * cover it. `add(0)` does nothing; in particular it releases nobody.
   *
   * ## Misuse
   * Whatever it throws, the counter is unchanged once `add` returns. The update is one atomic
   * read-modify-write, so a refused one is undone by the opposite read-modify-write. Between
   * the two (a few instructions, only while a misuse is being refused) other threads see the
   * counter off by the refused delta: `count` may read negative (or below the value it had),
   * a concurrent decrement may be refused too, a concurrent `wait` may register, and an add
   * that lands the counter on zero releases the waiters as usual. The undo is itself applied
   * like an add: if it lands the counter on zero with waiters registered, it releases them.
   * In a program without misuse none of this can happen.
   *
   * @param delta - a safe integer; default 1
   * @throws `TypeError` if `delta` is not a safe integer
   * @throws `RangeError` if the counter would exceed 2^31-1, Go's int32 maximum
   * @throws `WaitGroupError` `ERR_WAITGROUP_NEGATIVE_COUNTER` (`sync: negative WaitGroup
   *   counter`) if the counter would go below zero
   * @throws `WaitGroupError` `ERR_WAITGROUP_MISUSE` (`sync: WaitGroup misuse: Add called
   *   concurrently with Wait`) if a positive `add` finds the counter at zero with waiters
   *   still registered: it raced with the end of a round (or with a `wait` it should have
   *   preceded). The add is undone and those waiters are released.
   *
   * @example
   * ```ts
   * import { SharedWaitGroup } from 'waitgroups';
   *
   * const wg = new SharedWaitGroup();
   * wg.add(3); // before handing three tasks to workers
   * wg.add(-3); // back to zero
   * wg.waitSync(); // returns at once
   * ```
   */
  add(delta: number = 1): void {
    if (delta !== 1) {
      this.#addAny(delta);
      return;
    }
    const old = Atomics.add(this.#state, 0, COUNTER_ONE);
    // Old counter 1..2^31-2: nothing to check. Old state all zero but the generation: a new round.
    if (old >= COUNTER_ONE ? old < ADD_ONE_LIMIT : old >= 0n && old < WAITER_ONE) return;
    afterAdd(this.#memory, old, 1, COUNTER_ONE);
  }

  /** `add` with a delta other than 1: checked, then one read-modify-write. */
  #addAny(delta: number): void {
    checkDelta(delta);
    if (delta === 0) return;
    if (delta > MAX_COUNT) throw counterOverflow(this.count, delta);
    if (delta < -MAX_COUNT) throw negativeCounter();
    const shifted = BigInt(delta) << 32n;
    afterAdd(this.#memory, Atomics.add(this.#state, 0, shifted), delta, shifted);
  }

  /**
   * done decrements the counter by one: `add(-1)`. Call it once when a task finishes, in
   * whichever thread ran it, whether the task succeeded or failed.
   *
   * @throws `WaitGroupError` `ERR_WAITGROUP_NEGATIVE_COUNTER` (`sync: negative WaitGroup
   *   counter`) if the counter is already zero; the counter is restored to zero (see
   *   {@link SharedWaitGroup.add} for what other threads may observe meanwhile)
   *
   * @example
   * ```ts
   * import { SharedWaitGroup } from 'waitgroups';
   *
   * // In a worker, with `buffer` and `byteOffset` received from the thread that made the group:
   * declare const buffer: SharedArrayBuffer, byteOffset: number;
   * const wg = new SharedWaitGroup(buffer, byteOffset);
   * try {
   *   // ... the task ...
   * } finally {
   *   wg.done();
   * }
   * ```
   */
  done(): void {
    const old = Atomics.sub(this.#state, 0, COUNTER_ONE);
    // Old counter >= 2: not reaching zero. Old counter 1 with no waiters: zero, nobody to release.
    if (old >= COUNTER_TWO) return;
    if (old >= COUNTER_ONE) {
      if (old >= COUNTER_ONE_NO_WAITERS) release(this.#memory, old - COUNTER_ONE); // counter 1 with waiters
      return;
    }
    afterAdd(this.#memory, old, -1, COUNTER_MINUS_ONE);
  }

  /**
   * wait returns a promise that resolves when the counter is zero. It never blocks the thread,
   * so it works on a browser's main thread too.
   *
   * At zero it resolves at once, after one atomic load. Otherwise the wait registers as a
   * waiter in shared memory and parks on `Atomics.waitAsync` (one per group object, whatever
   * the number of waits); it resolves when the counter next reaches zero, even if the group is
   * reused before this thread gets to run (each `wait()` belongs to its round, as with
   * {@link WaitGroup.wait}). Where `Atomics.waitAsync` is missing (Firefox before 145, Safari
   * before 16.4) it polls instead, every 1, 2, 4 ... up to 32 ms.
   *
   * While the wait is pending it keeps Node's event loop alive, which a pending
   * `Atomics.waitAsync` alone does not: a script whose only remaining work is `await wg.wait()`
   * for unref'd workers still finishes. (One interval per thread, shared by all such waits,
   * ref'd while any is pending and unref'd, or cleared, when the last one settles; a wait with
   * a timeout relies on its own timer.)
   *
   * ## Cancellation
   * - `signal`: when it aborts, the wait rejects with `signal.reason`, unwrapped. A signal
   *   already aborted rejects at once without registering, even at counter zero.
   * - `timeout`: after this many milliseconds the wait rejects with `WaitGroupError`
   *   `ERR_WAITGROUP_TIMEOUT`, whose message gives the counter at that moment. `timeout: 0`
   *   rejects at once unless the counter is zero; `Infinity` means no timeout.
   * - A wait that gives up withdraws its registration with a compare-and-swap that also
   *   checks the round's generation, so it cannot withdraw from a later round. If its round
   *   was already released, it resolves instead: it lost the race, and the release stands.
   *   Its abort listener and its timer are removed either way.
   *
   * ## Memory ordering
   * When the promise resolves, everything written before the `done()` that released it is
   * visible (see {@link SharedWaitGroup}).
   *
   * @param options - `{ signal, timeout }`, both optional
   * @throws `TypeError` or `RangeError`, synchronously, for invalid options (as
   *   {@link WaitGroup.wait}); `RangeError`, synchronously, if 65,535 waits are already
   *   registered on the group
   * @returns a promise that resolves when the counter reaches zero, or rejects with
   *   `signal.reason`, `ERR_WAITGROUP_TIMEOUT`, or `ERR_WAITGROUP_WORKER_DIED` when a worker
   *   this object watches ({@link SharedWaitGroup.watch}) is gone owing `done()`s
   *
   * @example
   * ```ts
   * import { SharedWaitGroup } from 'waitgroups';
   *
   * const wg = new SharedWaitGroup();
   * wg.add(1); // a worker will call done()
   * try {
   *   await wg.wait({ timeout: 5_000 });
   * } catch (error) {
   *   console.error('the worker did not finish in time', error);
   * }
   * ```
   */
  wait(options?: WaitOptions): Promise<void> {
    if (options === undefined) {
      const s = Atomics.load(this.#state, 0);
      if (s >= 0n && s < COUNTER_ONE) return resolved;
      return this.#waitAsync(s, undefined, undefined);
    }
    const { signal, timeout } = checkWaitOptions(options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const s = Atomics.load(this.#state, 0);
    if (s >= 0n && s < COUNTER_ONE) return resolved;
    if (timeout === 0) return Promise.reject(waitTimedOut(0, counterOf(s)));
    return this.#waitAsync(s, signal, timeout);
  }

  /** Registers a `wait()` and parks it with this object's other asynchronous waits. */
  #waitAsync(s: bigint, signal: AbortSignal | undefined, timeout: number | undefined): Promise<void> {
    if (this.#died !== null) return Promise.reject(this.#died);
    const registered = register(this.#memory, s);
    if (registered === undefined) return resolved;
    this.#parking ??= new AsyncParking(this.#memory);
    return this.#parking.add(generationOf(registered), signal, timeout);
  }

  /**
   * waitSync blocks the thread until the counter is zero: Go's `Wait`, with `Atomics.wait`.
   *
   * At zero it returns at once, after one atomic load. Otherwise it registers as a waiter and
   * sleeps on the wake word until the round is released. Use it in workers, and on the main
   * thread of Node, Deno or Bun when blocking is what you want; a browser's main thread may not
   * block, and there it throws `ERR_WAITGROUP_CANNOT_BLOCK`: use `await wg.wait()`.
   *
   * ## Misuse
   * Like Go's `Wait`, it throws `WaitGroupError` `ERR_WAITGROUP_REUSED` (`sync: WaitGroup is
   * reused before previous Wait has returned`) if, when it wakes, its round has been released
   * and a new one has already begun: another thread reused the group before this wait
   * returned. Its own round did complete.
   *
   * ## Cancellation
   * `timeout` (milliseconds, 0 to 2^31-1, or `Infinity`): once it has passed, the wait
   * withdraws its registration as {@link SharedWaitGroup.wait} does and throws
   * `ERR_WAITGROUP_TIMEOUT`, unless its round was released meanwhile, in which case it returns.
   * `timeout: 0` throws at once unless the counter is zero. There is no `signal`: a blocked
   * thread cannot run an abort listener.
   *
   * ## Memory ordering
   * When it returns, everything written before the `done()` that released it is visible (see
   * {@link SharedWaitGroup}).
   *
   * @param options - `{ timeout }`, optional
   * @throws `TypeError` or `RangeError` for invalid options (a `signal` included)
   * @throws `WaitGroupError` `ERR_WAITGROUP_TIMEOUT` when the timeout passes
   * @throws `WaitGroupError` `ERR_WAITGROUP_CANNOT_BLOCK` where `Atomics.wait` is forbidden
   *   (its `TypeError` is the `cause`); the registration is withdrawn first
   * @throws `WaitGroupError` `ERR_WAITGROUP_REUSED` as described under Misuse
   * @throws `WaitGroupError` `ERR_WAITGROUP_WORKER_DIED` if a worker this object watches is gone
   *   owing `done()`s; `ERR_WAITGROUP_CANNOT_BLOCK` while one still owes units (this thread
   *   hands them on from its event loop: see {@link SharedWaitGroup.watch})
   * @throws `RangeError` if 65,535 waits are already registered on the group
   *
   * @example
   * ```ts
   * import { SharedWaitGroup } from 'waitgroups';
   *
   * // In a worker: a barrier for the tasks this worker handed to other workers.
   * declare const buffer: SharedArrayBuffer, byteOffset: number;
   * const wg = new SharedWaitGroup(buffer, byteOffset);
   * wg.waitSync({ timeout: 10_000 });
   * ```
   */
  waitSync(options?: WaitSyncOptions): void {
    if (options === undefined) {
      const s = Atomics.load(this.#state, 0);
      if (s >= 0n && s < COUNTER_ONE) return;
      this.#waitSync(s, undefined);
      return;
    }
    const timeout = checkSyncOptions(options);
    const s = Atomics.load(this.#state, 0);
    if (s >= 0n && s < COUNTER_ONE) return;
    if (timeout === 0) throw waitTimedOut(0, counterOf(s));
    this.#waitSync(s, timeout);
  }

  /** Registers a `waitSync()` and sleeps until its round is released, or gives up. */
  #waitSync(s: bigint, timeout: number | undefined): void {
    if (this.#died !== null) throw this.#died;
    if (this.#leases !== 0) throw cannotBlockWatching(this.#leases);
    const registered = register(this.#memory, s);
    if (registered === undefined) return;
    const generation = generationOf(registered);
    const wake = this.#memory.wake;
    const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
    let blockError: unknown = null;
    for (;;) {
      // The futex rule: read the wake word first, then the state. A release that lands after
      // the state was read bumps the wake word, so Atomics.wait returns at once or is notified.
      const seen = Atomics.load(wake, 0);
      const state = Atomics.load(this.#state, 0);
      if (generationOf(state) !== generation) {
        // Released. Go's check: the state must still be idle (the generation aside).
        if (!isIdle(state)) throw reused();
        return;
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0 || blockError !== null) {
        // Give up: withdraw, unless a release has come first (then the loop returns above).
        const counter = withdraw(this.#memory, generation);
        if (counter !== undefined) throw blockError !== null ? cannotBlock(blockError) : waitTimedOut(timeout ?? 0, counter);
        continue;
      }
      try {
        Atomics.wait(wake, 0, seen, remaining);
      } catch (error) {
        // A TypeError where the agent may not block (a browser's main thread).
        blockError = error;
      }
    }
  }

  /**
   * watch starts a worker that owes the group `units` `done()`s (default 1) and watches it, so
   * that if the worker is gone before it has made them all, the waits of this object reject with
   * `WaitGroupError` `ERR_WAITGROUP_WORKER_DIED` instead of hanging. One line replaces the
   * `wg.add(1)` and the `new Worker(…)`:
   *
   * ```ts
   * const worker = wg.watch((group) => new Worker(url, { workerData: group }));
   * ```
   *
   * It adds `units` to the counter, then calls `start` with a group of the worker's own (a new
   * `SharedWaitGroup` whose counter is `units`, which the worker attaches to and calls `done()`
   * on, exactly as it would on this group), and returns the worker `start` returns. When the
   * worker's group reaches zero, this object hands the units on: the counter drops by `units`,
   * in every thread, and the watch ends (its listeners are removed). If instead the worker is
   * gone first (an uncaught error, `terminate()`, `process.exit()`, a Web Worker's
   * `self.close()`, a script that never started, an exit with `done()`s still owed), the units
   * stay owed, and every pending and later `wait()` of this object rejects with the error, which
   * names the worker and how it went and has the worker's error as `cause`. A worker that exits
   * after its last `done()`, however it exits, changes nothing. (A Web Worker that closes itself
   * in the same turn of its event loop as it attaches, before it holds its lease lock, may
   * not be seen: docs/design.md, "Dead workers".)
   *
   * The handing on runs on this thread's event loop (main-side accounting; the shared-memory
   * protocol is unchanged: see docs/design.md, "Dead workers"), so the thread that watches waits
   * with `await wg.wait()`: its `waitSync()` throws `ERR_WAITGROUP_CANNOT_BLOCK` while a watched
   * worker still owes units. Waits in other threads see the units handed on as usual, but are
   * not told of a death.
   *
   * @param start - makes the worker, given the group it must call `done()` on: a
   *   `node:worker_threads` `Worker` or a Web Worker
   * @param options - `{ units, name }`: the `done()`s the worker owes (default 1), and its name
   *   in the error
   * @throws `TypeError` if `start` is not a function, returns something that is not a worker,
   *   or the options are invalid; `RangeError` if the counter would pass 2^31-1. Whatever is
   *   thrown, the counter is unchanged (what `start` throws is rethrown).
   * @returns the worker
   *
   * @example
   * ```ts
   * import { Worker } from 'node:worker_threads';
   * import { SharedWaitGroup } from 'waitgroups';
   *
   * const wg = new SharedWaitGroup();
   * for (let i = 0; i < 4; i++) {
   *   wg.watch((group) => new Worker(new URL('./worker.js', import.meta.url), { workerData: { group, i } }));
   * }
   * await wg.wait(); // rejects with ERR_WAITGROUP_WORKER_DIED if a worker dies before its done()
   * ```
   */
  watch<W extends WatchableWorker>(start: (group: SharedWaitGroup) => W, options?: WatchOptions): W {
    checkFunction(start, 'start');
    const { units, name } = checkWatchOptions(options);
    const lease = new SharedWaitGroup(new SharedArrayBuffer(LEASE_BYTE_LENGTH));
    markLease(lease.buffer);
    lease.add(units);
    this.add(units);
    let worker: W;
    try {
      worker = start(lease);
      if (!isWatchable(worker)) throw notAWorker(worker);
    } catch (error) {
      this.add(-units);
      throw error;
    }
    const label = name ?? defaultName(worker);
    const handedOn = new AbortController();
    this.#leases++;
    const stop = watchWorker(worker, lease.buffer, () => lease.count > 0, (how, cause) => {
      const owed = lease.count;
      if (owed <= 0) return; // it paid: the units are being handed on
      handedOn.abort();
      this.#leases--;
      this.#workerDied(workerDied(label, how, owed, cause));
    });
    lease.wait({ signal: handedOn.signal }).then(
      () => {
        stop();
        this.#leases--;
        this.add(-units);
      },
      () => {}, // the worker is gone: the units stay owed
    );
    return worker;
  }

  /** A watched worker is gone owing done()s: pending and later waits of this object reject. */
  #workerDied(error: unknown): void {
    if (this.#died !== null) return;
    this.#died = error;
    this.#parking?.failAll(error);
  }

  /**
   * go runs `fn` as a task of the group in this thread: `add(1)` before returning, `done()`
   * when `fn`'s outcome settles, whatever it is. The promise it returns settles with that same
   * outcome. Behaves as {@link WaitGroup.go}; threads waiting on the group wait for the task.
   *
   * @param fn - the task; its result may be a value or a promise
   * @throws `TypeError` if `fn` is not a function; `RangeError` if the counter is at its
   *   maximum (then `fn` is not called)
   * @returns a promise of `fn`'s result; if a stray `done()` elsewhere already took the counter
   *   to zero, it rejects with `ERR_WAITGROUP_NEGATIVE_COUNTER` (the task's own error as `cause`)
   *
   * @example
   * ```ts
   * import { SharedWaitGroup } from 'waitgroups';
   *
   * declare function compressChunk(): Promise<void>;
   * const wg = new SharedWaitGroup(); // a worker may also waitSync() on it
   * void wg.go(compressChunk).catch((error) => console.error(error));
   * await wg.wait();
   * ```
   */
  go<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    checkFunction(fn, 'fn');
    this.add(1);
    return runTask(fn, undefined, (this.#settle ??= taskSettlers(() => this.done()))) as Promise<Awaited<T>>;
  }

  /**
   * task takes one unit of the counter as a handle: `add(1)` now, and the handle's `done()`,
   * which works exactly once, later, in this thread. The handle is `Disposable`, so `using`
   * marks the task done when its block exits, normally or by a throw: Go's `defer wg.Done()`.
   * A handle lives in one thread; to hand a unit to a worker, `add(1)` here and `done()` there.
   *
   * @param label - names the task in the error of a second `done()`; default `''`
   * @throws `TypeError` if `label` is not a string; what `add(1)` throws (nothing changes)
   * @returns the handle; a second `done()` on it throws `WaitGroupError`
   *   `ERR_WAITGROUP_TASK_ALREADY_DONE`
   *
   * @example
   * ```ts
   * import { SharedWaitGroup } from 'waitgroups';
   *
   * const wg = new SharedWaitGroup();
   * function work(): void {
   *   using task = wg.task('work'); // done however the block exits
   *   // ...
   * }
   * work();
   * wg.waitSync();
   * ```
   */
  task(label = ''): TaskHandle {
    checkLabel(label);
    this.add(1);
    return taskHandle(label, () => this.done());
  }

  /**
   * `[Symbol.asyncDispose]()` is `wait()`: `await using wg = new SharedWaitGroup()` waits, when
   * the block exits (normally or by a throw), until the counter is zero in every thread, Go's
   * `defer wg.Wait()`. With {@link SharedWaitGroup.watch}, a worker that dies owing `done()`s
   * makes it reject with `ERR_WAITGROUP_WORKER_DIED` instead of hanging.
   *
   * @returns what {@link SharedWaitGroup.wait} returns
   *
   * @example
   * ```ts
   * import { SharedWaitGroup } from 'waitgroups';
   *
   * declare function startWorker(wg: SharedWaitGroup): void; // posts wg; the worker calls done()
   * async function run(): Promise<void> {
   *   await using wg = new SharedWaitGroup();
   *   wg.add(2);
   *   startWorker(wg);
   *   startWorker(wg);
   * } // resolves once both workers have called done()
   * ```
   */
  [asyncDispose](): Promise<void> {
    return this.wait();
  }

  /**
   * count is the counter: tasks added and not yet done, in all threads. It may read negative
   * only while another thread's refused call is being undone (see {@link SharedWaitGroup.add}).
   */
  get count(): number {
    return counterOf(Atomics.load(this.#state, 0));
  }

  /**
   * waiters is the number of waits registered in shared memory and not yet released, from all
   * threads (Go's waiter count): each pending `wait()` and `waitSync()` counts one.
   */
  get waiters(): number {
    return waitersOf(Atomics.load(this.#state, 0));
  }
}

/**
 * SharedWaitGroupMemory is what another thread needs to attach to a group, the two
 * properties of every {@link SharedWaitGroup}: pass them (or the group itself, which
 * structured clone turns into them) to a worker, which attaches with
 * `new SharedWaitGroup(memory.buffer, memory.byteOffset)`. Use it to type `workerData`.
 *
 * @example
 * ```ts
 * import { SharedWaitGroup, type SharedWaitGroupMemory } from 'waitgroups';
 *
 * declare const workerData: unknown; // from node:worker_threads, in a worker
 * const { buffer, byteOffset } = workerData as SharedWaitGroupMemory;
 * const wg = new SharedWaitGroup(buffer, byteOffset);
 * wg.done();
 * ```
 */
export interface SharedWaitGroupMemory {
  /** The shared memory that holds the group. */
  readonly buffer: SharedArrayBuffer;
  /** Where the group starts in `buffer`; a multiple of 8. */
  readonly byteOffset: number;
}
