// The asynchronous waiters of one SharedWaitGroup object: registered in shared memory, parked
// on one Atomics.waitAsync per object, released by generation. See docs/design.md.
import { counterOf, generationOf, isReleased, WAITER_ONE } from './shared-state.js';
import { waitTimedOut } from './validate.js';

// One shared executor instead of a closure per promise (as in round.ts): `new Promise(capture)`
// stores the resolvers here and the constructor that called it takes them at once.
let capturedResolve: () => void = noop;
let capturedReject: (reason: unknown) => void = noop;
function capture(resolve: () => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}
function noop(): void {}

// Keep-alive. Node does not count a pending Atomics.waitAsync as pending work (nodejs/node#44729):
// a script whose only remaining work is `await wg.wait()` for unref'd workers would exit with the
// promise unsettled. While any wait of this thread has no timer of its own, one ref'd interval
// (shared by every group of the thread) keeps the event loop alive. Where timers have ref() and
// unref() (Node, Bun), the interval is made once and toggled, which is cheaper than creating and
// clearing one per wait (it sits on the wake-up path); elsewhere (Deno, browsers) it is created
// and cleared. A wait with a timeout is kept alive by its own timer.
const KEEP_ALIVE_MS = 0x7fff_ffff;
interface Refable {
  ref(): unknown;
  unref(): unknown;
}
let untimedWaits = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function isRefable(handle: unknown): handle is Refable {
  return typeof handle === 'object' && handle !== null && typeof (handle as Refable).unref === 'function';
}

function holdEventLoop(): void {
  if (untimedWaits++ !== 0) return;
  if (keepAlive === undefined) keepAlive = setInterval(noop, KEEP_ALIVE_MS);
  else if (isRefable(keepAlive)) keepAlive.ref();
}

function releaseEventLoop(): void {
  if (--untimedWaits !== 0) return;
  if (isRefable(keepAlive)) {
    keepAlive.unref();
  } else {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult;

/** The first and the longest delay of the polling fallback, where Atomics.waitAsync is missing. */
const POLL_FIRST_MS = 1;
const POLL_MAX_MS = 32;

/**
 * AsyncWaiters holds the pending `wait()` calls of one SharedWaitGroup object. Each is
 * registered in shared memory (one waiter in the state word) with the generation it registered
 * in; all of them are parked behind one `Atomics.waitAsync` on the wake word, and a wake-up
 * settles those whose generation has passed.
 */
export class AsyncWaiters {
  readonly #state: BigInt64Array;
  readonly #sema: Int32Array;
  readonly #pending: Set<AsyncWaiter>;
  /** Whether a waitAsync (or a poll timer) is outstanding for this object. */
  #armed: boolean;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #pollDelay: number;
  readonly #wake: () => void;

  constructor(state: BigInt64Array, sema: Int32Array) {
    this.#state = state;
    this.#sema = sema;
    this.#pending = new Set();
    this.#armed = false;
    this.#pollTimer = undefined;
    this.#pollDelay = POLL_FIRST_MS;
    this.#wake = () => {
      this.#armed = false;
      this.#pollTimer = undefined;
      this.sweep();
      if (this.#pending.size !== 0) this.#arm();
    };
  }

  /**
   * Adds a waiter already registered in shared memory in `generation`; returns its promise.
   * The caller has checked the options and the signal.
   */
  add(generation: number, signal: AbortSignal | undefined, timeout: number | undefined): Promise<void> {
    if (this.#pending.size === 0) this.#pollDelay = POLL_FIRST_MS;
    const waiter = new AsyncWaiter(this, generation, signal, timeout);
    this.#pending.add(waiter);
    this.#arm();
    return waiter.promise;
  }

  /** Settles every waiter whose round has been released. Cheap when none is pending. */
  sweep(): void {
    if (this.#pending.size === 0) return;
    const generation = generationOf(Atomics.load(this.#state, 0));
    for (const waiter of this.#pending) {
      if (waiter.generation !== generation) {
        this.#pending.delete(waiter);
        waiter.settle();
      }
    }
    if (this.#pending.size === 0) this.#stopPolling();
  }

  /**
   * Withdraws a waiter that gives up (abort or timeout). Returns the counter at that moment if
   * its registration was removed from shared memory, or `undefined` if its round had already
   * been released: then it did not leave, and the caller resolves it instead. (At counter zero
   * before the release's reset has landed, the registration is still there and is withdrawn:
   * the releasing add's compare-and-swap then fails and it retries with one waiter less.)
   */
  leave(waiter: AsyncWaiter): number | undefined {
    this.#pending.delete(waiter);
    if (this.#pending.size === 0) this.#stopPolling();
    for (;;) {
      const s = Atomics.load(this.#state, 0);
      if (isReleased(s, waiter.generation)) return undefined;
      // The CAS covers the generation: it fails if the round was released in between, even if
      // a new round has since reached the same counter and waiter count (ABA).
      if (Atomics.compareExchange(this.#state, 0, s, s - WAITER_ONE) === s) return counterOf(s);
    }
  }

  /**
   * Parks the pending waiters behind one waitAsync on the wake word. The futex rule: read the
   * wake word first, then look at the state; a release that lands after the look changes the
   * word, so the waitAsync either sees the change ('not-equal') or is woken by the notify.
   */
  #arm(): void {
    if (this.#armed) return;
    const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
    for (;;) {
      const seen = Atomics.load(this.#sema, 0);
      this.sweep();
      if (this.#pending.size === 0) return;
      if (typeof waitAsync !== 'function') {
        this.#poll();
        return;
      }
      const result = waitAsync(this.#sema, 0, seen);
      if (result.async) {
        this.#armed = true;
        void result.value.then(this.#wake);
        return;
      }
      // 'not-equal': a release landed between the load and the waitAsync; look again.
    }
  }

  /** The fallback without Atomics.waitAsync: look again after 1, 2, 4, ... 32 ms. */
  #poll(): void {
    this.#armed = true;
    this.#pollTimer = setTimeout(this.#wake, this.#pollDelay);
    this.#pollDelay = Math.min(this.#pollDelay * 2, POLL_MAX_MS);
  }

  #stopPolling(): void {
    if (this.#pollTimer !== undefined) {
      clearTimeout(this.#pollTimer);
      this.#pollTimer = undefined;
      this.#armed = false;
    }
  }
}

// Waiters resolved in this microtask, cleaned up together in the next one.
const cleanups: AsyncWaiter[] = [];

function flushCleanups(): void {
  for (let i = 0; i < cleanups.length; i++) cleanups[i]!.cleanup();
  cleanups.length = 0;
}

function onTimeout(waiter: AsyncWaiter): void {
  waiter.timedOut();
}

/**
 * AsyncWaiter is one pending `wait()`: it resolves when its generation has passed, unless its
 * signal aborts or its timer fires first and it can still withdraw its registration. Either way
 * it removes its abort listener and its timer. It is its own abort listener (`handleEvent`).
 */
class AsyncWaiter {
  readonly promise: Promise<void>;
  readonly generation: number;
  readonly #resolve: () => void;
  readonly #reject: (reason: unknown) => void;
  readonly #waiters: AsyncWaiters;
  readonly #signal: AbortSignal | undefined;
  readonly #timeout: number | undefined;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  #settled: boolean;

  constructor(waiters: AsyncWaiters, generation: number, signal: AbortSignal | undefined, timeout: number | undefined) {
    this.promise = new Promise<void>(capture);
    this.#resolve = capturedResolve;
    this.#reject = capturedReject;
    this.generation = generation;
    this.#waiters = waiters;
    this.#signal = signal;
    this.#timeout = timeout;
    this.#settled = false;
    signal?.addEventListener('abort', this);
    if (timeout === undefined) {
      this.#timer = undefined;
      holdEventLoop();
    } else {
      this.#timer = setTimeout(onTimeout, timeout, this);
    }
  }

  /** The abort listener: withdraws, then rejects with the signal's reason, unwrapped. */
  handleEvent(): void {
    if (this.#settled) return;
    const counter = this.#waiters.leave(this);
    this.cleanup();
    if (counter === undefined) this.#resolve();
    else this.#reject(this.#signal?.reason);
  }

  /** The timer's callback: withdraws, then rejects with `ERR_WAITGROUP_TIMEOUT`. */
  timedOut(): void {
    if (this.#settled) return;
    const counter = this.#waiters.leave(this);
    this.cleanup();
    if (counter === undefined) this.#resolve();
    else this.#reject(waitTimedOut(this.#timeout ?? 0, counter));
  }

  /**
   * Resolves the waiter: its round was released. The clean-up (listener, timer, keep-alive)
   * runs in the next microtask, after the waiter's own continuation: it is off the wake-up path.
   */
  settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve();
    if (cleanups.push(this) === 1) queueMicrotask(flushCleanups);
  }

  /** Removes the abort listener and the timer, and lets go of the keep-alive. */
  cleanup(): void {
    this.#settled = true;
    this.#signal?.removeEventListener('abort', this);
    if (this.#timer === undefined) releaseEventLoop();
    else clearTimeout(this.#timer);
  }
}
