// The documented memory layout of a SharedWaitGroup (docs/design.md), so that tests can write a
// state into shared memory and make a race deterministic, and Go's messages they expect.
import assert from 'node:assert/strict';
import { type SharedWaitGroup, WaitGroupError, type WaitGroupErrorCode } from 'waitgroups';

/** The state word at +0 and the wake word at +8 of the group's memory. */
export function raw(wg: SharedWaitGroup): { state: BigInt64Array; wake: Int32Array } {
  return { state: new BigInt64Array(wg.buffer, wg.byteOffset, 1), wake: new Int32Array(wg.buffer, wg.byteOffset + 8, 1) };
}

/** A state word: counter in bits 63..32, waiters in 31..16, generation in 15..0. */
export function stateWord(counter: number, waiters: number, generation: number): bigint {
  return (BigInt(counter) << 32n) | (BigInt(waiters) << 16n) | BigInt(generation);
}

export function generationOf(wg: SharedWaitGroup): number {
  return Number(Atomics.load(raw(wg).state, 0) & 0xffffn);
}

/** An `assert.throws` validator: a WaitGroupError with `code` (and `message`, if given). */
export function isWaitGroupError(code: WaitGroupErrorCode, message?: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof WaitGroupError, `expected a WaitGroupError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  };
}

export const MISUSE = 'sync: WaitGroup misuse: Add called concurrently with Wait';
export const REUSED = 'sync: WaitGroup is reused before previous Wait has returned';
