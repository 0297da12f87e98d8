// The asynchronous waits of one SharedWaitGroup object, parked on the event loop: registered in
// shared memory (shared-protocol.ts), parked behind one Atomics.waitAsync per object, settled by
// generation. See docs/design.md.
import { waitTimedOut } from '../errors.js';
import { withdraw, type GroupMemory } from './shared-protocol.js';
import { generationOf } from './shared-state.js';
import { CancellableWaiter, type WaiterOwner } from './waiter.js';

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult;

/** The first and the longest delay of the polling fallback, where Atomics.waitAsync is missing. */
const POLL_FIRST_MS = 1;
const POLL_MAX_MS = 32;

/**
 * AsyncParking holds the pending `wait()` calls of one SharedWaitGroup object. Each is
 * registered in shared memory (one waiter in the state word) with the generation it registered
 * in, its {@link CancellableWaiter}'s `round`; all of them are parked behind one
 * `Atomics.waitAsync` on the wake word, and a wake-up settles those whose generation has passed.
 */
export class AsyncParking implements WaiterOwner {
  readonly #memory: GroupMemory;
  readonly #pending: Set<CancellableWaiter>;
  /** Whether a waitAsync (or a poll timer) is outstanding for this object. */
  #armed: boolean;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #pollDelay: number;
  /** The counter when the last wait to give up withdrew, for its timeout message. */
  #counterAtLeave: number;
  readonly #onWake: () => void;

  constructor(memory: GroupMemory) {
    this.#memory = memory;
    this.#pending = new Set();
    this.#armed = false;
    this.#pollTimer = undefined;
    this.#pollDelay = POLL_FIRST_MS;
    this.#counterAtLeave = 0;
    this.#onWake = () => {
      this.#armed = false;
      this.#pollTimer = undefined;
      this.sweep();
      if (this.#pending.size !== 0) this.#arm();
    };
  }

  /**
   * Parks a wait already registered in shared memory in `generation`; returns its promise.
   * The caller has checked the options and the signal.
   */
  add(generation: number, signal: AbortSignal | undefined, timeout: number | undefined): Promise<void> {
    if (this.#pending.size === 0) this.#pollDelay = POLL_FIRST_MS;
    const waiter = new CancellableWaiter(this, generation, signal, timeout, true);
    this.#pending.add(waiter);
    this.#arm();
    return waiter.promise;
  }

  /** Settles every wait whose round has been released. Cheap when none is pending. */
  sweep(): void {
    if (this.#pending.size === 0) return;
    const generation = generationOf(Atomics.load(this.#memory.state, 0));
    for (const waiter of this.#pending) {
      if (waiter.round !== generation) {
        this.#pending.delete(waiter);
        waiter.settle();
      }
    }
    if (this.#pending.size === 0) this.#stopPolling();
  }

  /** A wait gives up: withdraws its registration, unless its round was released first. */
  leave(waiter: CancellableWaiter): boolean {
    this.#pending.delete(waiter);
    if (this.#pending.size === 0) this.#stopPolling();
    const counter = withdraw(this.#memory, waiter.round);
    if (counter === undefined) return false;
    this.#counterAtLeave = counter;
    return true;
  }

  timeoutError(waiter: CancellableWaiter): unknown {
    return waitTimedOut(waiter.timeout ?? 0, this.#counterAtLeave);
  }

  /**
   * Parks the pending waits behind one waitAsync on the wake word. The futex rule: read the
   * wake word first, then look at the state; a release that lands after the look changes the
   * word, so the waitAsync either sees the change ('not-equal') or is woken by the notify.
   */
  #arm(): void {
    if (this.#armed) return;
    const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
    for (;;) {
      const seen = Atomics.load(this.#memory.wake, 0);
      this.sweep();
      if (this.#pending.size === 0) return;
      if (typeof waitAsync !== 'function') {
        this.#poll();
        return;
      }
      const result = waitAsync(this.#memory.wake, 0, seen);
      if (result.async) {
        this.#armed = true;
        void result.value.then(this.#onWake);
        return;
      }
      // 'not-equal': a release landed between the load and the waitAsync; look again.
    }
  }

  /** The fallback without Atomics.waitAsync: look again after 1, 2, 4, ... 32 ms. */
  #poll(): void {
    this.#armed = true;
    this.#pollTimer = setTimeout(this.#onWake, this.#pollDelay);
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
