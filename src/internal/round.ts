import { waitTimedOut } from '../errors.js';
import { outstandingOf } from './debug.js';
import { canReport, list, type Pending, type ReportedGroup } from './deadlock.js';
import { CancellableWaiter, type WaiterOwner } from './waiter.js';

/**
 * Round holds the `wait()` calls of an in-thread group made while its counter stayed above
 * zero; they are all released together when it reaches zero. One Round per group, made at its
 * first wait and reused by every later round, so that a round costs one promise and nothing
 * else: the group makes the promise (its resolver stays in the group, where `add` looks for
 * it), plain waiters share it, and waiters with a signal or a timeout each have a
 * {@link CancellableWaiter} of their own so they can leave.
 */
export class Round implements Pending, WaiterOwner {
  /** The group whose round this is, for timeout messages and the deadlock report. */
  readonly group: ReportedGroup;
  /** The promise of the current round's plain waiters (or of the last round). */
  promise: Promise<void> | null;
  /** `wait()` calls of the current round still pending, plain and cancellable. */
  waiters: number;
  #cancellable: Set<CancellableWaiter> | null;
  /** Whether the deadlock report's list holds this round (deadlock.ts). */
  listed: boolean;

  constructor(group: ReportedGroup) {
    this.group = group;
    this.promise = null;
    this.waiters = 0;
    this.#cancellable = null;
    this.listed = false;
  }

  /** Adds a plain waiter; returns the round's promise. (WaitGroup.wait() has its own copy.) */
  enter(): Promise<void> {
    if (this.waiters++ === 0 && !this.listed) this.list();
    return this.promise!;
  }

  /** Puts the round in the deadlock report's list, where the runtime can report. */
  list(): void {
    if (canReport) list(this);
  }

  /** Adds a waiter that may give up on `signal` or after `timeout` ms; returns its promise. */
  join(signal: AbortSignal | undefined, timeout: number | undefined): Promise<void> {
    const waiter = new CancellableWaiter(this, 0, signal, timeout, false);
    (this.#cancellable ??= new Set()).add(waiter);
    this.enter();
    return waiter.promise;
  }

  /** Removes a waiter that gave up; false if the round was already released. */
  leave(waiter: CancellableWaiter): boolean {
    if (this.#cancellable?.delete(waiter) !== true) return false;
    this.waiters--;
    return true;
  }

  timeoutError(waiter: CancellableWaiter): unknown {
    return waitTimedOut(waiter.timeout ?? 0, this.group.count, outstandingOf(this.group));
  }

  /**
   * Ends the round: called once, when the counter reaches zero, after the group has resolved
   * the plain waiters' promise. Settles the cancellable waiters.
   */
  release(): void {
    this.waiters = 0;
    const cancellable = this.#cancellable;
    if (cancellable !== null) {
      this.#cancellable = null;
      for (const waiter of cancellable) waiter.settle();
    }
  }
}
