// Attaching a SharedWaitGroup to memory that cannot be a group is refused (issue 14): a RangeError
// that names the offset, instead of a group whose wait() never resolves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedWaitGroup } from 'waitgroups';

const LENGTH = SharedWaitGroup.BYTE_LENGTH;

test('bytes of 0x80 (counter -2139062144) are refused with a RangeError naming the offset', () => {
  const buffer = new SharedArrayBuffer(2 * LENGTH);
  new Uint8Array(buffer, LENGTH).fill(0x80);
  assert.throws(
    () => new SharedWaitGroup(buffer, LENGTH),
    (error: unknown) =>
      error instanceof RangeError &&
      (error as RangeError & { code?: string }).code === 'ERR_OUT_OF_RANGE' &&
      error.message.includes(`byteOffset ${LENGTH}`) &&
      error.message.includes('-2139062144'),
  );
  assert.equal(new SharedWaitGroup(buffer, 0).count, 0, 'the zero-filled group beside it attaches');
});

test('a negative counter alone is refused; the bytes are not written', () => {
  const buffer = new SharedArrayBuffer(LENGTH);
  const state = new BigInt64Array(buffer, 0, 1);
  state[0] = -1n << 32n;
  assert.throws(() => new SharedWaitGroup(buffer), { name: 'RangeError', message: /byteOffset 0 .*counter .* reads -1/ });
  assert.equal(state[0], -1n << 32n);
});

test('a reserved word that is not zero is refused', () => {
  const buffer = new SharedArrayBuffer(LENGTH);
  new Int32Array(buffer, 12, 1)[0] = 7;
  assert.throws(() => new SharedWaitGroup(buffer, 0), { name: 'RangeError', message: /byteOffset 0 .*reserved word .* reads 7/ });
});

test('valid states attach: zero, a counter with waiters and a generation, any wake word', () => {
  const buffer = new SharedArrayBuffer(LENGTH);
  const wg = new SharedWaitGroup(buffer);
  wg.add(3);
  const pending = wg.wait();
  new Int32Array(buffer, 8, 1)[0] = -5; // the wake word wraps: any value is valid
  const again = new SharedWaitGroup(buffer, 0);
  assert.equal(again.count, 3);
  assert.equal(again.waiters, 1);
  again.add(-3);
  return pending;
});
