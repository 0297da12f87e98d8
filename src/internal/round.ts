import { waitTimedOut } from './validate.js';

// One shared executor instead of a closure per promise: `new Promise(capture)` stores the
// resolvers here and the constructor that called it takes them at once (run-to-completion
// makes this safe). Node 20 lacks Promise.withResolvers.
let capturedResolve: () => void = noop;
let capturedReject: (reason: unknown) => void = noop;
function capture(resolve: () => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}
function captureResolve(resolve: () => void): void {
  capturedResolve = resolve;
}
function noop(): void {}

/**
 * Round is the set of `wait()` calls made while the counter stayed above zero; they are all
 * released together when it reaches zero. Plain waiters share one promise; waiters with a
 * signal or a timeout each have their own (a {@link CancellableWaiter}) so they can leave.
 */
export class Round {
  readonly promise: Promise<void>;
  readonly #resolve: () => void;
  /** `wait()` calls of this round still pending, plain and cancellable. */
  waiters: number;
  #cancellable: Set<CancellableWaiter> | null;

  // See CancellableWaiter's constructor for why fields are assigned here.
  constructor() {
    this.promise = new Promise<void>(captureResolve);
    this.#resolve = capturedResolve;
    this.waiters = 0;
    this.#cancellable = null;
  }

  /** Adds a waiter that may give up on `signal` or after `timeout` ms; returns its promise. */
  join(signal: AbortSignal | undefined, timeout: number | undefined, count: () => number): Promise<void> {
    const waiter = new CancellableWaiter(this, signal, timeout, count);
    (this.#cancellable ??= new Set()).add(waiter);
    this.waiters++;
    return waiter.promise;
  }

  /** Removes a waiter that gave up; false if the round was already released. */
  leave(waiter: CancellableWaiter): boolean {
    if (this.#cancellable?.delete(waiter) !== true) return false;
    this.waiters--;
    return true;
  }

  /** Releases every waiter of the round. Called once, when the counter reaches zero. */
  release(): void {
    this.waiters = 0;
    this.#resolve();
    const cancellable = this.#cancellable;
    if (cancellable !== null) {
      this.#cancellable = null;
      for (const waiter of cancellable) waiter.settle();
    }
  }
}

function onTimeout(waiter: CancellableWaiter): void {
  waiter.timedOut();
}

/**
 * CancellableWaiter is one `wait({ signal, timeout })`: it resolves with its round unless the
 * signal aborts or the timer fires first. Either way it removes its abort listener and its
 * timer, so nothing of it outlives the wait. It is its own abort listener (`handleEvent`),
 * which saves a closure per wait.
 */
class CancellableWaiter {
  readonly promise: Promise<void>;
  readonly #resolve: () => void;
  readonly #reject: (reason: unknown) => void;
  readonly #round: Round;
  readonly #signal: AbortSignal | undefined;
  readonly #timeout: number | undefined;
  readonly #count: () => number;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;

  // Fields are assigned in the constructor, not by initialisers: on Node 20 initialisers
  // made the wake path (wait, done, await) 1.5x slower (bench/in-thread.bench.ts).
  constructor(round: Round, signal: AbortSignal | undefined, timeout: number | undefined, count: () => number) {
    this.promise = new Promise<void>(capture);
    this.#resolve = capturedResolve;
    this.#reject = capturedReject;
    this.#round = round;
    this.#signal = signal;
    this.#timeout = timeout;
    this.#count = count;
    signal?.addEventListener('abort', this);
    this.#timer = timeout === undefined ? undefined : setTimeout(onTimeout, timeout, this);
  }

  /** The abort listener: rejects with the signal's reason, unwrapped. */
  handleEvent(): void {
    if (this.#leave()) this.#reject(this.#signal?.reason);
  }

  /** The timer's callback: rejects with `ERR_WAITGROUP_TIMEOUT`. */
  timedOut(): void {
    if (this.#leave()) this.#reject(waitTimedOut(this.#timeout ?? 0, this.#count()));
  }

  #leave(): boolean {
    if (!this.#round.leave(this)) return false;
    this.#cleanup();
    return true;
  }

  /** Resolves the waiter; its round was released. */
  settle(): void {
    this.#cleanup();
    this.#resolve();
  }

  #cleanup(): void {
    this.#signal?.removeEventListener('abort', this);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}
