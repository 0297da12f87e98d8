// The shared-memory protocol of SharedWaitGroup, in one place: the slow path of an add, the undo
// of a refused one, the release of a round, and a waiter's registration and withdrawal, as
// functions over a group's two views. SharedWaitGroup keeps the API, its fast paths and the
// argument checks; shared-waiters.ts keeps the parking of asynchronous waits on the event loop.
// verify/shared-wait-group.pml models every Atomics step here (see docs/design.md).
import { MAX_COUNT, MAX_WAITERS, counterOverflow, misuse, negativeCounter, tooManyWaiters } from '../errors.js';
import {
  WAITER_ONE,
  counterIsZero,
  counterOf,
  generationOf,
  isIdle,
  isReleased,
  releasedState,
  waitersOf,
} from './shared-state.js';

/** One group's memory as one thread's group object sees it. */
export interface GroupMemory {
  /** The 64-bit state word: counter, waiters, generation. */
  readonly state: BigInt64Array;
  /** The wake word: bumped by every release; the futex every waiter parks on. */
  readonly wake: Int32Array;
  /** Called in the releasing thread after a release: settles its own asynchronous waits at once. */
  released(): void;
}

/**
 * The slow path of an add whose read-modify-write returned `old`: Go's checks, the undo of a
 * refused add, and the release of the round when the counter reached zero with waiters.
 */
export function afterAdd(memory: GroupMemory, old: bigint, delta: number, shifted: bigint): void {
  const counter = counterOf(old);
  const next = counter + delta;
  if (delta > 0) {
    if (counter >= 0 && next > MAX_COUNT) {
      undo(memory, shifted);
      throw counterOverflow(counter, delta);
    }
    if (counter === 0 && waitersOf(old) !== 0) {
      undo(memory, shifted);
      throw misuse();
    }
  } else if (next < 0) {
    undo(memory, shifted);
    throw negativeCounter();
  }
  if (next === 0) {
    const s = old + shifted;
    if (!isIdle(s)) release(memory, s);
  }
}

/** Undoes a refused add; releases the waiters if the undo lands the counter on zero. */
export function undo(memory: GroupMemory, shifted: bigint): void {
  const s = Atomics.sub(memory.state, 0, shifted) - shifted;
  if (counterIsZero(s) && !isIdle(s)) release(memory, s);
}

/**
 * Releases the round of state `s` (counter zero, waiters registered): Go's reset, here a
 * compare-and-swap to the next generation with no waiters, then one bump of the wake word and
 * a notify of every thread parked on it.
 */
export function release(memory: GroupMemory, s: bigint): void {
  const next = releasedState(s);
  for (;;) {
    const prev = Atomics.compareExchange(memory.state, 0, s, next);
    if (prev === s) break;
    // The state changed in between. From counter zero with waiters registered, every add is
    // refused (a positive one is a misuse, a negative one goes below zero), and its undo lands
    // the counter on zero again and releases; a waiter does not register at counter zero, but
    // one that gives up may withdraw. So: retry while the state is still this round at zero
    // with waiters; otherwise the release is someone else's to make, or nobody's.
    if (!counterIsZero(prev) || isIdle(prev) || generationOf(prev) !== generationOf(s)) return;
    s = prev;
  }
  Atomics.add(memory.wake, 0, 1);
  Atomics.notify(memory.wake, 0);
  // Waits of this object, in this thread, need not wait for their waitAsync to fire.
  memory.released();
}

/**
 * Registers one waiter in state `s` or a later one; returns the registered state, or
 * `undefined` if the counter reached zero first.
 */
export function register(memory: GroupMemory, s: bigint): bigint | undefined {
  for (;;) {
    if (counterIsZero(s)) return undefined;
    if (waitersOf(s) === MAX_WAITERS) throw tooManyWaiters();
    const next = s + WAITER_ONE;
    const prev = Atomics.compareExchange(memory.state, 0, s, next);
    if (prev === s) return next;
    s = prev;
  }
}

/**
 * Withdraws a waiter registered in `generation` that gives up (timeout or abort). Returns the
 * counter at that moment if its registration was removed, or `undefined` if its round had
 * already been released: then it did not leave, and returns normally. (At counter zero before
 * the release's reset has landed, the registration is still there and is withdrawn: the
 * releasing add's compare-and-swap then fails and it retries with one waiter less.)
 */
export function withdraw(memory: GroupMemory, generation: number): number | undefined {
  for (;;) {
    const s = Atomics.load(memory.state, 0);
    if (isReleased(s, generation)) return undefined;
    // The CAS covers the generation: it fails if the round was released in between, even if
    // a new round has since reached the same counter and waiter count (ABA).
    if (Atomics.compareExchange(memory.state, 0, s, s - WAITER_ONE) === s) return counterOf(s);
  }
}
