// SharedWaitGroup across real worker threads: Go's tests (TestWaitGroup, TestWaitGroupRace,
// TestWaitGroupAlign), the structured-clone path, races made deterministic by writing the
// documented state into shared memory while a worker waits, and the event-loop keep-alive in a
// child process. Worker fixtures are .mjs files in ./fixtures that import the built package
// (npm run build). Also run on Deno and Bun (test/runtimes/run.ts).
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SharedWaitGroup } from 'waitgroups';
import { guard, HANG_GUARD_MS, until } from './support/async.ts';
import { runNode } from './support/child-process.ts';
import { generationOf, isWaitGroupError, MISUSE, raw, REUSED, stateWord } from './support/shared-memory.ts';
import { exited, nextMessage, startWorker, terminateWorkers } from './support/workers.ts';

describe('SharedWaitGroup: across worker threads', () => {
  afterEach(terminateWorkers);

  test("TestWaitGroup: two-stage barrier, 16 workers, 8 rounds on the same groups", async () => {
    const n = 16;
    const rounds = 8;
    const wg1 = new SharedWaitGroup();
    const wg2 = new SharedWaitGroup();
    const ctrl = new Int32Array(new SharedArrayBuffer(8)); // [round opened, exited]
    const pool = Array.from({ length: n }, (_, i) =>
      startWorker('barrier-worker.mjs', { wg1, wg2, ctrl, rounds, mode: i % 2 === 0 ? 'sync' : 'async' }),
    );
    for (let round = 1; round <= rounds; round++) {
      Atomics.store(ctrl, 1, 0);
      wg1.add(n);
      wg2.add(n);
      Atomics.store(ctrl, 0, round);
      Atomics.notify(ctrl, 0);
      if (round % 2 === 1) wg1.waitSync({ timeout: HANG_GUARD_MS });
      else await guard(wg1.wait(), 'wg1.wait()');
      await until(() => wg2.waiters === n, 'every worker to wait on wg2');
      for (let i = 0; i < n; i++) {
        await sleep(i === n - 1 ? 5 : 0);
        assert.equal(Atomics.load(ctrl, 1), 0, `round ${round}: WaitGroup released group too soon (before done #${i + 1})`);
        wg2.done();
      }
      await until(() => Atomics.load(ctrl, 1) === n, `round ${round}: all ${n} workers to exit the barrier`);
      assert.equal(wg2.waiters, 0);
      assert.equal(wg1.count + wg2.count, 0);
    }
    assert.deepEqual(await Promise.all(pool.map(exited)), Array(n).fill(0));
  });

  for (const variant of ['atomic', 'plain'] as const) {
    test(`TestWaitGroupRace (${variant} writes): 1000 rounds, two workers write then done(); the wait sees both`, async () => {
      const rounds = 1000;
      const slots = 64;
      const wg = new SharedWaitGroup();
      const ctrl = new Int32Array(new SharedArrayBuffer(8)); // [round opened, atomic counter]
      const data = new Int32Array(new SharedArrayBuffer(2 * slots * 4));
      const pair = [0, 1].map((index) => startWorker('race-worker.mjs', { group: wg, ctrl, data, index, rounds, variant, slots }));
      for (let round = 1; round <= rounds; round++) {
        wg.add(2);
        Atomics.store(ctrl, 0, round);
        Atomics.notify(ctrl, 0);
        if (round % 2 === 1) wg.waitSync({ timeout: HANG_GUARD_MS });
        else await guard(wg.wait(), `round ${round}: wait()`);
        if (variant === 'atomic') {
          assert.equal(Atomics.load(ctrl, 1), 2 * round, `round ${round}: spurious wakeup from wait`);
        } else {
          let wrong = -1;
          for (let k = 0; k < 2 * slots; k++) {
            if (data[k] !== round * slots + (k % slots)) wrong = k; // plain reads
          }
          assert.equal(wrong, -1, `round ${round}: a plain write made before done() is not visible (slot ${wrong})`);
        }
      }
      assert.deepEqual(await Promise.all(pair.map(exited)), [0, 0]);
    });
  }


  test('TestWaitGroupAlign: a group at a non-zero offset of a larger buffer, done() from a worker', async () => {
    const buffer = new SharedArrayBuffer(72);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0xcd, 0, 40);
    bytes.fill(0xcd, 56, 72);
    const wg = new SharedWaitGroup(buffer, 40);
    wg.add(1);
    const worker = startWorker('done-worker.mjs', { group: { buffer, byteOffset: 40 }, delay: 5 });
    await guard(wg.wait(), 'the aligned group');
    assert.equal(wg.count, 0);
    assert.ok(bytes.subarray(0, 40).every((byte) => byte === 0xcd), 'the bytes before the group are untouched');
    assert.ok(bytes.subarray(56).every((byte) => byte === 0xcd), 'the bytes after the group are untouched');
    assert.equal(await exited(worker), 0);
  });

  test('the structured-clone path: post the group object itself; the worker rebuilds it from buffer/byteOffset', async () => {
    const wg = new SharedWaitGroup(new SharedArrayBuffer(48), 16);
    wg.add(2);
    const worker = startWorker('done-worker.mjs', { times: 2 });
    const reply = nextMessage<{ keys: string[]; count: number }>(worker);
    worker.postMessage(wg);
    wg.waitSync({ timeout: HANG_GUARD_MS });
    assert.deepEqual((await reply).keys, ['buffer', 'byteOffset'], 'the clone carried exactly buffer and byteOffset');
    assert.equal(wg.count, 0);
  });

  test('REUSED made deterministic: a waitSync woken after its release, with the counter non-zero again', async () => {
    const wg = new SharedWaitGroup();
    const { state, wake } = raw(wg);
    wg.add(1);
    const worker = startWorker('wait-worker.mjs', { group: wg, mode: 'sync' });
    const reply = nextMessage(worker);
    await until(() => wg.waiters === 1, 'the worker to register');
    const generation = generationOf(wg);
    // Its round released (next generation), then reused: counter 1 again, no waiter yet.
    Atomics.store(state, 0, stateWord(1, 0, (generation + 1) & 0xffff));
    Atomics.add(wake, 0, 1);
    Atomics.notify(wake, 0);
    assert.deepEqual(await reply, { outcome: 'threw', name: 'WaitGroupError', code: 'ERR_WAITGROUP_REUSED', message: REUSED });
    assert.equal(wg.count, 1);
    wg.done();
  });

  test('a spurious wake-up (notify, wake word bumped, round not released) does not release a waiter', async () => {
    const wg = new SharedWaitGroup();
    const { wake } = raw(wg);
    wg.add(1);
    const sync = startWorker('wait-worker.mjs', { group: wg, mode: 'sync' });
    const async = startWorker('wait-worker.mjs', { group: wg, mode: 'async' });
    const replies = [nextMessage(sync), nextMessage(async)];
    await until(() => wg.waiters === 2, 'both workers to register');
    let early = false;
    void Promise.race(replies).then(() => (early = true));
    for (let i = 0; i < 5; i++) {
      Atomics.add(wake, 0, 1);
      Atomics.notify(wake, 0);
      await sleep(10);
    }
    assert.equal(early, false, 'no waiter returned on a spurious wake-up');
    assert.equal(wg.waiters, 2);
    wg.done();
    assert.deepEqual(await Promise.all(replies), [{ outcome: 'returned' }, { outcome: 'returned' }]);
  });

  test('MISUSE made deterministic across threads: the undo of the refused add releases the waiting worker', async () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    wg.add(1);
    const worker = startWorker('wait-worker.mjs', { group: wg, mode: 'sync' });
    const reply = nextMessage(worker);
    await until(() => wg.waiters === 1, 'the worker to register');
    Atomics.store(state, 0, stateWord(0, 1, generationOf(wg)));
    assert.throws(() => wg.add(1), isWaitGroupError('ERR_WAITGROUP_MISUSE', MISUSE));
    assert.deepEqual(await reply, { outcome: 'returned' });
    assert.equal(wg.count, 0);
    assert.equal(wg.waiters, 0);
  });

  test('a timed-out waitSync in a worker cannot withdraw from a newer round (ABA across threads)', async () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    wg.add(1);
    const worker = startWorker('wait-worker.mjs', { group: wg, mode: 'sync', options: { timeout: 100 } });
    const reply = nextMessage(worker);
    await until(() => wg.waiters === 1, 'the worker to register');
    // Released and reused without a notify: the sleeper only finds out when it times out.
    Atomics.store(state, 0, stateWord(1, 1, (generationOf(wg) + 1) & 0xffff));
    // Go's check: it was released, and the group is in a new round before it returned.
    assert.deepEqual(await reply, { outcome: 'threw', name: 'WaitGroupError', code: 'ERR_WAITGROUP_REUSED', message: REUSED });
    assert.equal(wg.waiters, 1, "the newer round's waiter is still registered");
    Atomics.store(state, 0, 0n);
  });

  test('waits with timeouts in workers give up and withdraw; the count stays exact', async () => {
    const wg = new SharedWaitGroup();
    wg.add(1);
    const timed = [
      startWorker('wait-worker.mjs', { group: wg, mode: 'sync', options: { timeout: 20 } }),
      startWorker('wait-worker.mjs', { group: wg, mode: 'async', options: { timeout: 20 } }),
    ];
    const plain = startWorker('wait-worker.mjs', { group: wg, mode: 'async' });
    const plainReply = nextMessage(plain);
    for (const reply of await Promise.all(timed.map((worker) => nextMessage(worker)))) {
      assert.equal(reply['code'], 'ERR_WAITGROUP_TIMEOUT');
    }
    await until(() => wg.waiters === 1, 'the plain waiter to be the only one left');
    wg.done();
    assert.deepEqual(await plainReply, { outcome: 'returned' });
    assert.equal(wg.waiters, 0);
  });


  test('the event-loop keep-alive, in a child process: `await wg.wait()` for unref\'d workers finishes', async () => {
    const script = fileURLToPath(new URL('./fixtures/keep-alive.mjs', import.meta.url));
    const run = async (arg?: string) => {
      const { code, stdout } = await runNode(arg === undefined ? [script] : [script, arg], { timeout: HANG_GUARD_MS });
      return { code, stdout };
    };
    const [plain, timed, bare] = await Promise.all([run(), run('timeout'), run('raw')]);
    assert.deepEqual(plain, { code: 0, stdout: 'released with counter 0\n' });
    assert.deepEqual(timed, { code: 0, stdout: 'released with counter 0\n' }, 'and exits once released: the timer is cleared');
    // The premise: a bare Atomics.waitAsync does not keep Node alive (exit 13: unsettled top-level await).
    assert.deepEqual(bare, { code: 13, stdout: '' });
  });
});
