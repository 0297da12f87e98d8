// The memory of a SharedWaitGroup: layout, decoding and validation. The protocol that updates it
// is in shared-protocol.ts. See docs/design.md, section "SharedWaitGroup", for the layout as a
// bit table and the proofs.
import { describe, invalidArgType, noSharedMemory, outOfRange } from '../errors.js';

/** Bytes of shared memory one group occupies; groups in one buffer sit 16 bytes apart. */
export const BYTE_LENGTH = 16;
/** Byte offset of the Int32 wake word (Go's `sema`) inside a group's memory. */
export const WAKE_OFFSET = 8;

// The state word, a BigInt64 at +0:
//   bits 63..32  counter      int32, Go's `v`
//   bits 31..16  waiters      uint16, Go's `w` (registered, not yet released or withdrawn)
//   bits 15..0   generation   uint16, bumped by every release; covered by every CAS
/** Bits of the generation (the low bits of the state word). */
export const GENERATION_BITS = 16;

/** One unit of the counter: `1n << 32n`. */
export const COUNTER_ONE = 1n << 32n;
/** Two units of the counter: a `done()` whose old state is at least this does not reach zero. */
export const COUNTER_TWO = 2n << 32n;
/** `-COUNTER_ONE`, the delta of `done()`. */
export const COUNTER_MINUS_ONE = -COUNTER_ONE;
/** One registered waiter: `1n << 16n`. */
export const WAITER_ONE = 1n << BigInt(GENERATION_BITS);
/** Counter 1, no waiters, any generation is below this: the `done()` that reaches zero alone. */
export const COUNTER_ONE_NO_WAITERS = COUNTER_ONE + WAITER_ONE;
/**
 * An `add(1)` whose old state is below this (and at least {@link COUNTER_ONE}) leaves the
 * counter at most 2^31-1: the old counter was at most 2^31-2.
 */
export const ADD_ONE_LIMIT = 0x7fff_ffffn << 32n;

const GENERATION_MASK = (1n << BigInt(GENERATION_BITS)) - 1n;

/** Whether the counter of state `s` is zero (waiters and generation aside): one or two compares. */
export function counterIsZero(s: bigint): boolean {
  return s >= 0n && s < COUNTER_ONE;
}

/** Whether counter and waiters of `s` are both zero (the generation aside): Go's `state == 0`. */
export function isIdle(s: bigint): boolean {
  return s >= 0n && s < WAITER_ONE;
}

/** The counter of state `s` (Go's `int32(state >> 32)`); negative only inside a refused call. */
export function counterOf(s: bigint): number {
  return Number(s >> 32n);
}

/** The number of registered waiters of state `s` (Go's `uint32(state)`, here 16 bits). */
export function waitersOf(s: bigint): number {
  return Number(BigInt.asUintN(16, s >> BigInt(GENERATION_BITS)));
}

/** The generation of state `s`. */
export function generationOf(s: bigint): number {
  return Number(s & GENERATION_MASK);
}

const LAST_GENERATION = GENERATION_MASK;

/** The state the release of state `s` stores: counter 0, waiters 0, the next generation. */
export function releasedState(s: bigint): bigint {
  const generation = s & GENERATION_MASK;
  return generation === LAST_GENERATION ? 0n : generation + 1n;
}

/**
 * Whether a waiter registered in `generation` has been released, judging by state `s`: the
 * release's reset has moved the generation on. A counter at zero in the waiter's own generation
 * is not enough: the add that took it there has not reset the state yet, and a waiter that
 * returned then could see its own next `add` refused as a misuse (Go's waiters, too, wake only
 * after the reset).
 */
export function isReleased(s: bigint, generation: number): boolean {
  return generationOf(s) !== generation;
}

function isSharedArrayBuffer(value: unknown): value is SharedArrayBuffer {
  // Not `instanceof`: a buffer from another realm (an iframe, a vm context) is shared all the same.
  return Object.prototype.toString.call(value) === '[object SharedArrayBuffer]';
}

/**
 * Checks the memory a group attaches to, or allocates it; throws before anything is written.
 * Returns the buffer to use.
 */
export function checkMemory(buffer: unknown, byteOffset: unknown): SharedArrayBuffer {
  if (buffer !== undefined && !isSharedArrayBuffer(buffer)) {
    throw invalidArgType(
      'The "buffer" argument must be a SharedArrayBuffer: a SharedWaitGroup lives in shared memory, ' +
        'and a group whose memory was copied (an ArrayBuffer, a cloned typed array) is not the same group ' +
        `(Go's noCopy). Received ${describe(buffer)}`,
    );
  }
  if (typeof byteOffset !== 'number') {
    throw invalidArgType(`The "byteOffset" argument must be a number. Received ${describe(byteOffset)}`);
  }
  if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 8 !== 0) {
    throw outOfRange(
      `The "byteOffset" argument must be a non-negative integer multiple of 8 (the state is a 64-bit word). Received ${byteOffset}`,
    );
  }
  let memory: SharedArrayBuffer;
  if (buffer === undefined) {
    if (typeof SharedArrayBuffer !== 'function') {
      throw noSharedMemory();
    }
    memory = new SharedArrayBuffer(BYTE_LENGTH);
  } else {
    memory = buffer;
  }
  if (byteOffset + BYTE_LENGTH > memory.byteLength) {
    throw outOfRange(
      `The "byteOffset" argument must leave room for the group's ${BYTE_LENGTH} bytes: ` +
        `${byteOffset} + ${BYTE_LENGTH} exceeds the buffer's byteLength of ${memory.byteLength}`,
    );
  }
  return memory;
}
