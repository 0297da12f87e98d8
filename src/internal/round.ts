import { outstandingOf } from './debug.js';
import { canReport, link, unlink, type Pending, type ReportedGroup } from './deadlock.js';
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
export class Round implements Pending {
  readonly promise: Promise<void>;
  readonly #resolve: () => void;
  /** The group whose round this is, for timeout messages and the deadlock report. */
  readonly group: ReportedGroup;
  /** `wait()` calls of this round still pending, plain and cancellable. */
  waiters: number;
  #cancellable: Set<CancellableWaiter> | null;
  // Links of the list of rounds with pending waiters (deadlock.ts).
  prev: Pending | null;
  next: Pending | null;

  // See CancellableWaiter's constructor for why fields are assigned here.
  constructor(group: ReportedGroup) {
    this.promise = new Promise<void>(captureResolve);
    this.#resolve = capturedResolve;
    this.group = group;
    this.waiters = 0;
    this.#cancellable = null;
    this.prev = null;
    this.next = null;
  }

  /** Adds a plain waiter; returns the round's promise. */
  enter(): Promise<void> {
    if (this.waiters++ === 0 && canReport) link(this);
    return this.promise;
  }

  /** Adds a waiter that may give up on `signal` or after `timeout` ms; returns its promise. */
  join(signal: AbortSignal | undefined, timeout: number | undefined): Promise<void> {
    const waiter = new CancellableWaiter(this, signal, timeout);
    (this.#cancellable ??= new Set()).add(waiter);
    this.enter();
    return waiter.promise;
  }

  /** Removes a waiter that gave up; false if the round was already released. */
  leave(waiter: CancellableWaiter): boolean {
    if (this.#cancellable?.delete(waiter) !== true) return false;
    if (--this.waiters === 0 && canReport) unlink(this);
    return true;
  }

  /** Releases every waiter of the round. Called once, when the counter reaches zero. */
  release(): void {
    if (this.waiters !== 0 && canReport) unlink(this);
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
  readonly #timer: ReturnType<typeof setTimeout> | undefined;

  // Fields are assigned in the constructor, not by initialisers: on Node 20 initialisers
  // made the wake path (wait, done, await) 1.5x slower (bench/in-thread.bench.ts).
  constructor(round: Round, signal: AbortSignal | undefined, timeout: number | undefined) {
    this.promise = new Promise<void>(capture);
    this.#resolve = capturedResolve;
    this.#reject = capturedReject;
    this.#round = round;
    this.#signal = signal;
    this.#timeout = timeout;
    signal?.addEventListener('abort', this);
    this.#timer = timeout === undefined ? undefined : setTimeout(onTimeout, timeout, this);
  }

  /** The abort listener: rejects with the signal's reason, unwrapped. */
  handleEvent(): void {
    if (this.#leave()) this.#reject(this.#signal?.reason);
  }

  /** The timer's callback: rejects with `ERR_WAITGROUP_TIMEOUT`. */
  timedOut(): void {
    if (!this.#leave()) return;
    const group = this.#round.group;
    this.#reject(waitTimedOut(this.#timeout ?? 0, group.count, outstandingOf(group)));
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
