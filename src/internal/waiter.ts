// The one cancellable wait of this package: a promise that its owner resolves when the wait's
// round is released, or that rejects when its signal aborts or its timer fires, unless the owner
// says the round was released first. Used by the in-thread round (round.ts), by the shared
// group's asynchronous waits (shared-waiters.ts) and by each wait of a RedisWaitGroup
// (redis/redis-wait.ts); each owner says what leaving means for it.

/** What a {@link CancellableWaiter} needs of the thing it waits on. */
export interface WaiterOwner {
  /**
   * Withdraws `waiter`, which gives up. Returns `false` if its round was already released: then
   * it did not leave, and resolves instead (the release stands).
   */
  leave(waiter: CancellableWaiter): boolean;
  /** The error of `waiter`, which gave up after its timeout and left. */
  timeoutError(waiter: CancellableWaiter): unknown;
}

// Keep-alive. Node does not count a pending Atomics.waitAsync as pending work (nodejs/node#44729):
// a script whose only remaining work is `await wg.wait()` for unref'd workers would exit with the
// promise unsettled. While any wait of this thread that asked for it has no timer of its own, one
// ref'd interval (shared by every wait of the thread) keeps the event loop alive. Where timers
// have ref() and unref() (Node, Bun), the interval is made once and toggled, which is cheaper than
// creating and clearing one per wait; elsewhere (Deno, browsers) it is created and cleared. A wait
// with a timeout is kept alive by its own timer.
const KEEP_ALIVE_MS = 0x7fff_ffff;
interface Refable {
  ref(): unknown;
  unref(): unknown;
}
let keptAlive = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function noop(): void {}

function isRefable(handle: unknown): handle is Refable {
  return typeof handle === 'object' && handle !== null && typeof (handle as Refable).unref === 'function';
}

function holdEventLoop(): void {
  if (keptAlive++ !== 0) return;
  if (keepAlive === undefined) keepAlive = setInterval(noop, KEEP_ALIVE_MS);
  else if (isRefable(keepAlive)) keepAlive.ref();
}

function releaseEventLoop(): void {
  if (--keptAlive !== 0) return;
  if (isRefable(keepAlive)) {
    keepAlive.unref();
  } else {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

// Waiters resolved in this microtask, cleaned up together in the next one: the clean-up is off
// the wake-up path, after the waiters' own continuations.
const cleanups: CancellableWaiter[] = [];

function flushCleanups(): void {
  for (let i = 0; i < cleanups.length; i++) cleanups[i]!.cleanup();
  cleanups.length = 0;
}

function onTimeout(waiter: CancellableWaiter): void {
  waiter.giveUp(true);
}

/**
 * CancellableWaiter is one `wait({ signal, timeout })`: it resolves when its owner settles it,
 * unless the signal aborts or the timer fires first and the owner lets it leave. Either way it
 * removes its abort listener and its timer, so nothing of it outlives the wait. It is its own
 * abort listener (`handleEvent`), which saves a closure per wait.
 */
export class CancellableWaiter {
  readonly promise: Promise<void>;
  /** The round it belongs to, as its owner counts rounds (a shared group's generation). */
  readonly round: number;
  /** The timeout it was given, in milliseconds; `undefined` for none. */
  readonly timeout: number | undefined;
  #resolve!: () => void;
  #reject!: (reason: unknown) => void;
  readonly #owner: WaiterOwner;
  readonly #signal: AbortSignal | undefined;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #keepAlive: boolean;
  #settled: boolean;

  /**
   * Starts a wait. The caller has checked the options and that the signal has not aborted.
   * `keepAlive` holds the event loop while the wait has no timer (see above).
   */
  constructor(owner: WaiterOwner, round: number, signal: AbortSignal | undefined, timeout: number | undefined, keepAlive: boolean) {
    // A closure executor: V8 inlines it, where a shared one measured slower (bench/loop.ts).
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.round = round;
    this.timeout = timeout;
    this.#owner = owner;
    this.#signal = signal;
    this.#settled = false;
    this.#keepAlive = keepAlive && timeout === undefined;
    signal?.addEventListener('abort', this);
    this.#timer = timeout === undefined ? undefined : setTimeout(onTimeout, timeout, this);
    if (this.#keepAlive) holdEventLoop();
  }

  /** The abort listener: gives up with the signal's reason, unwrapped. */
  handleEvent(): void {
    this.giveUp(false);
  }

  /** Leaves, then rejects (with the signal's reason, or the owner's timeout error); or resolves, if the round was already released. */
  giveUp(timedOut: boolean): void {
    if (this.#settled) return;
    const left = this.#owner.leave(this);
    this.cleanup();
    if (!left) this.#resolve();
    else this.#reject(timedOut ? this.#owner.timeoutError(this) : this.#signal?.reason);
  }

  /**
   * Leaves, then rejects with `reason`, the owner's failure (a watched worker died, a Redis
   * task was lost, the state was lost, Redis is unreachable); or resolves, if the round was
   * already released.
   */
  fail(reason: unknown): void {
    if (this.#settled) return;
    const left = this.#owner.leave(this);
    this.cleanup();
    if (!left) this.#resolve();
    else this.#reject(reason);
  }

  /** Resolves the waiter: its round was released. The clean-up follows in a microtask. */
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
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#keepAlive) releaseEventLoop();
  }
}
