// SharedWaitGroup in one thread: the WaitGroupLike contract, its memory, and each step of the
// shared-memory protocol made deterministic by writing the documented state into shared
// memory. Across worker threads: shared-wait-group-threads.test.ts; stress and long runs:
// shared-wait-group-stress.test.ts. The protocol's model check is SPIN's (verify/).
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { SharedWaitGroup, WaitGroupError } from 'waitgroups';
import { guard, isSettled } from './support/async.ts';
import { generationOf, isWaitGroupError, MISUSE, raw, stateWord } from './support/shared-memory.ts';
import { activeTimers } from './support/timers.ts';
import { waitGroupContract } from './suites/wait-group-contract.ts';

waitGroupContract('SharedWaitGroup', () => new SharedWaitGroup());

describe('SharedWaitGroup: memory', () => {
  test('BYTE_LENGTH is 16; buffer and byteOffset are own enumerable data properties', () => {
    assert.equal(SharedWaitGroup.BYTE_LENGTH, 16);
    const wg = new SharedWaitGroup();
    assert.ok(wg.buffer instanceof SharedArrayBuffer);
    assert.equal(wg.buffer.byteLength, 16);
    assert.equal(wg.byteOffset, 0);
    assert.deepEqual(Object.keys(wg), ['buffer', 'byteOffset']);
    for (const key of ['buffer', 'byteOffset']) {
      const descriptor = Object.getOwnPropertyDescriptor(wg, key);
      assert.ok(descriptor !== undefined && 'value' in descriptor && descriptor.enumerable, key);
    }
  });

  test('a structured clone carries buffer and byteOffset only, and rebuilds the same group', () => {
    const buffer = new SharedArrayBuffer(64);
    const wg = new SharedWaitGroup(buffer, 32);
    wg.add(3);
    const clone = structuredClone(wg) as { buffer: SharedArrayBuffer; byteOffset: number };
    assert.deepEqual(Object.keys(clone), ['buffer', 'byteOffset']);
    const again = new SharedWaitGroup(clone.buffer, clone.byteOffset);
    assert.equal(again.count, 3);
    again.add(-3);
    assert.equal(wg.count, 0);
  });

  test('zero-filled memory is a group at zero; attaching writes nothing; groups side by side are independent', async () => {
    const buffer = new SharedArrayBuffer(4 * 16);
    const bytes = new Uint8Array(buffer);
    const groups = [0, 16, 32, 48].map((offset) => new SharedWaitGroup(buffer, offset));
    assert.ok(bytes.every((byte) => byte === 0), 'attaching wrote nothing');
    for (const wg of groups) {
      assert.equal(wg.count, 0);
      assert.equal(wg.waiters, 0);
      await wg.wait();
      wg.waitSync();
    }
    groups[1]!.add(2);
    groups[2]!.add(5);
    assert.deepEqual(groups.map((wg) => wg.count), [0, 2, 5, 0]);
    const again = new SharedWaitGroup(buffer, 16);
    assert.equal(again.count, 2, 'attaching to used memory keeps its state');
    const waiting = groups[1]!.wait();
    groups[2]!.add(-5);
    assert.equal(await isSettled(waiting), false, 'another group reaching zero releases nobody here');
    again.add(-2);
    await waiting;
  });

  test('bad memory is refused with a clear error, and nothing is written', () => {
    const buffer = new SharedArrayBuffer(40);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0xab);
    const notShared = [new ArrayBuffer(16), new Uint8Array(new SharedArrayBuffer(16)), {}, 'buffer', 16, null];
    for (const bad of notShared) {
      assert.throws(
        () => new SharedWaitGroup(bad as never),
        (error: unknown) => {
          assert.ok(error instanceof TypeError, `${String(bad)}: TypeError`);
          assert.match(error.message, /must be a SharedArrayBuffer/);
          assert.match(error.message, /shared memory/);
          assert.match(error.message, /not the same group/);
          assert.match(error.message, /noCopy/);
          return true;
        },
      );
    }
    for (const offset of [4, 12, -8, 1.5, Number.NaN, Infinity, 32, 40, 48]) {
      assert.throws(() => new SharedWaitGroup(buffer, offset), RangeError, `offset ${offset}`);
    }
    assert.throws(() => new SharedWaitGroup(buffer, '8' as never), TypeError);
    assert.throws(() => new SharedWaitGroup(undefined, 8), RangeError, 'own memory has room at 0 only');
    assert.throws(() => new SharedWaitGroup(new SharedArrayBuffer(8)), RangeError);
    assert.ok(bytes.every((byte) => byte === 0xab), 'nothing was written');
    // The largest offset that fits is fine and leaves its neighbours alone.
    const wg = new SharedWaitGroup(new SharedArrayBuffer(40), 24);
    wg.add(1);
    assert.equal(wg.count, 1);
  });
});

describe('SharedWaitGroup: in one thread', () => {
  test('waitSync at zero returns; with a timeout it throws ERR_WAITGROUP_TIMEOUT and withdraws', () => {
    const wg = new SharedWaitGroup();
    wg.waitSync();
    wg.waitSync({ timeout: 0 });
    wg.add(2);
    assert.throws(() => wg.waitSync({ timeout: 0 }), isWaitGroupError('ERR_WAITGROUP_TIMEOUT'));
    assert.equal(wg.waiters, 0, 'timeout: 0 registers nothing');
    assert.throws(() => wg.waitSync({ timeout: 15 }), (error: unknown) => {
      assert.ok(error instanceof WaitGroupError);
      assert.equal(error.code, 'ERR_WAITGROUP_TIMEOUT');
      assert.match(error.message, /after 15 ms with the WaitGroup counter at 2\b/);
      return true;
    });
    assert.equal(wg.waiters, 0, 'the timed-out waiter withdrew');
    assert.equal(wg.count, 2);
    wg.add(-2);
    wg.waitSync();
  });

  test('waitSync options are checked; a signal is refused (a blocked thread cannot see an abort)', () => {
    const wg = new SharedWaitGroup();
    wg.add(1);
    assert.throws(() => wg.waitSync({ signal: new AbortController().signal } as never), /waitSync\(\)/);
    assert.throws(() => wg.waitSync(null as never), TypeError);
    assert.throws(() => wg.waitSync(5 as never), TypeError);
    assert.throws(() => wg.waitSync({ timeout: -1 }), RangeError);
    assert.throws(() => wg.waitSync({ timeout: '5' as never }), TypeError);
    assert.equal(wg.waiters, 0);
    wg.done();
  });

  test('waitSync where blocking is forbidden throws ERR_WAITGROUP_CANNOT_BLOCK and withdraws', () => {
    const wg = new SharedWaitGroup();
    const original = Atomics.wait;
    const refusal = new TypeError('Atomics.wait cannot be called in this context');
    (Atomics as { wait: unknown }).wait = () => {
      throw refusal;
    };
    try {
      wg.waitSync(); // at zero nothing blocks
      wg.add(1);
      assert.throws(
        () => wg.waitSync(),
        (error: unknown) => {
          assert.ok(error instanceof WaitGroupError);
          assert.equal(error.code, 'ERR_WAITGROUP_CANNOT_BLOCK');
          assert.match(error.message, /await wg\.wait\(\)/);
          assert.equal(error.cause, refusal);
          return true;
        },
      );
      assert.equal(wg.waiters, 0);
      assert.equal(wg.count, 1);
    } finally {
      Atomics.wait = original;
    }
    wg.done();
  });

  test('a pending untimed wait holds one shared keep-alive timer; it is gone when the waits settle', async () => {
    const wg = new SharedWaitGroup();
    const before = activeTimers();
    wg.add(1);
    const waits = [wg.wait(), wg.wait(), new SharedWaitGroup(wg.buffer).wait()];
    assert.equal(activeTimers(), before + 1, 'one keep-alive handle for all untimed waits of the thread');
    const controller = new AbortController();
    const aborted = wg.wait({ signal: controller.signal });
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    assert.equal(activeTimers(), before + 1);
    wg.done();
    await Promise.all(waits);
    assert.equal(activeTimers(), before, 'the keep-alive is cleared with the last wait');
    const lone = new AbortController();
    wg.add(1);
    const alone = wg.wait({ signal: lone.signal });
    assert.equal(activeTimers(), before + 1);
    lone.abort();
    await assert.rejects(alone, { name: 'AbortError' });
    assert.equal(activeTimers(), before, 'an abort clears it too');
    assert.equal(getEventListeners(lone.signal, 'abort').length, 0);
    wg.done();
  });

  test('without Atomics.waitAsync, wait() falls back to polling and leaves no timer behind', async () => {
    const original = Atomics.waitAsync;
    delete (Atomics as { waitAsync?: unknown }).waitAsync;
    try {
      const wg = new SharedWaitGroup();
      const other = new SharedWaitGroup(wg.buffer); // another object: only polling can tell it
      const before = activeTimers();
      wg.add(1);
      const waiting = other.wait();
      assert.equal(await isSettled(waiting), false);
      wg.done();
      await guard(waiting, 'the polling wait');
      const controller = new AbortController();
      wg.add(1);
      const aborted = other.wait({ signal: controller.signal });
      controller.abort();
      await assert.rejects(aborted, { name: 'AbortError' });
      assert.equal(activeTimers(), before, 'no poll timer, no keep-alive left');
      wg.done();
    } finally {
      Atomics.waitAsync = original;
    }
  });

  test('more than 65,535 registered waits is a RangeError, and nothing is registered', () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    Atomics.store(state, 0, stateWord(1, 0xffff, 7));
    assert.throws(() => wg.wait(), RangeError);
    assert.throws(() => wg.waitSync(), RangeError);
    assert.equal(Atomics.load(state, 0), stateWord(1, 0xffff, 7));
    Atomics.store(state, 0, 0n);
  });

  test('MISUSE made deterministic: add(1) at counter 0 with a waiter registered', async () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    wg.add(1);
    const waiting = wg.wait();
    const generation = generationOf(wg);
    // The state right after the last done()'s read-modify-write, before its release resets it.
    Atomics.store(state, 0, stateWord(0, 1, generation));
    assert.throws(() => wg.add(1), isWaitGroupError('ERR_WAITGROUP_MISUSE', MISUSE));
    // The refused add was undone, and its undo landed on zero with a waiter: it released.
    assert.equal(wg.count, 0);
    assert.equal(wg.waiters, 0);
    assert.equal(generationOf(wg), (generation + 1) & 0xffff);
    await guard(waiting, 'the released waiter');
  });

  test('the give-up compare-and-swap covers the generation (ABA): a stale waiter cannot withdraw a newer one', async () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    wg.add(1);
    const controller = new AbortController();
    const stale = wg.wait({ signal: controller.signal });
    const generation = generationOf(wg);
    assert.equal(Atomics.load(state, 0), stateWord(1, 1, generation));
    // Between the stale waiter's look and its CAS: its round completed, a new round started and
    // a new waiter registered. Counter and waiters are the same as before; the generation is not.
    Atomics.store(state, 0, stateWord(1, 1, (generation + 1) & 0xffff));
    controller.abort();
    await guard(stale, 'the stale waiter'); // it was released: the abort lost the race
    assert.equal(wg.waiters, 1, "the newer waiter's registration is intact");
    assert.equal(wg.count, 1);
    Atomics.store(state, 0, 0n);
  });

  test('the futex rule, made deterministic: a release right after the waiter looked at the state still wakes it', async () => {
    // Atomics.load is intercepted: when the waiter reads the state word for the n-th time, a
    // release (done() through another object, as another thread would) lands right after the
    // read. Reading the wake word before the state is what makes the sleep return at once; a
    // waiter that read it after would sleep on the bumped value and miss the release.
    const realLoad = Atomics.load;
    const realWait = Atomics.wait;
    for (const mode of ['sync', 'async'] as const) {
      const wg = new SharedWaitGroup();
      const releaser = new SharedWaitGroup(wg.buffer);
      let stateReads = 0;
      let released = false;
      (Atomics as { load: unknown }).load = (array: BigInt64Array | Int32Array, index: number): unknown => {
        const value = realLoad(array as Int32Array, index);
        // Read 1: the zero check of wait()/waitSync(); read 2: the look after registering.
        if (array instanceof BigInt64Array && array.buffer === wg.buffer && ++stateReads === 2) {
          releaser.done();
          released = true;
        }
        return value;
      };
      // A sleep that ends 'timed-out' after the release is a lost wake-up (the wait would then
      // find the release only because its own timeout ran out).
      const sleeps: string[] = [];
      (Atomics as { wait: unknown }).wait = (array: Int32Array, index: number, value: number, timeout?: number) => {
        const result = realWait(array, index, value, Math.min(timeout ?? Infinity, 1_000));
        sleeps.push(result);
        return result;
      };
      try {
        wg.add(1);
        if (mode === 'sync') {
          wg.waitSync({ timeout: 5_000 });
        } else {
          await guard(wg.wait(), 'an async wait whose release landed as it went to sleep', 2_000);
        }
      } finally {
        Atomics.load = realLoad;
        Atomics.wait = realWait;
      }
      assert.ok(released, `${mode}: the release was injected`);
      assert.ok(!sleeps.includes('timed-out'), `${mode}: the waiter slept through its release (${sleeps.join(', ')})`);
      assert.equal(wg.count, 0);
      assert.equal(wg.waiters, 0);
    }
  });

  test('a waiter that gave up waits again, across a release and a reuse of the group', async () => {
    const wg = new SharedWaitGroup();
    const other = new SharedWaitGroup(wg.buffer); // another object on the same memory, as another thread
    wg.add(1);
    await assert.rejects(wg.wait({ timeout: 5 }), isWaitGroupError('ERR_WAITGROUP_TIMEOUT'));
    assert.equal(wg.waiters, 0, 'the timed-out wait withdrew');
    const generation = generationOf(wg);
    other.done(); // the round ends with nobody registered: nothing to release
    assert.equal(generationOf(wg), generation);
    other.add(1); // the group is reused
    const again = wg.wait();
    assert.equal(wg.waiters, 1);
    assert.equal(await isSettled(again), false, 'the new wait belongs to the new round');
    other.done();
    await guard(again, 'the wait of the reused group');
    assert.equal(generationOf(wg), (generation + 1) & 0xffff, 'one release, of the new round');
    assert.equal(wg.waiters, 0);
  });
});
