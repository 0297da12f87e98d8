// SharedWaitGroup under stress, time-bounded: a hunt for lost wake-ups with a hot worker,
// Go's TestWaitGroupMisuse3, workers hammering one group while threads wait with random
// timeouts and aborts, and the generation wrapping around. Longer, unbounded runs: the soak
// test (verify/soak.ts). Also run on Deno and Bun (test/runtimes/run.ts).
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SharedWaitGroup, type WaitGroupError } from 'waitgroups';
import { guard, HANG_GUARD_MS, isSettled, until } from './support/async.ts';
import { generationOf, raw } from './support/shared-memory.ts';
import { activeTimers } from './support/timers.ts';
import { exited, startWorker, terminateWorkers } from './support/workers.ts';

describe('SharedWaitGroup: stress', () => {
  afterEach(terminateWorkers);

  test('lost wake-up hunt: a hot worker releases at random points of the waiter going to sleep', async () => {
    const rounds = 3000;
    const wg = new SharedWaitGroup();
    const ctrl = new Int32Array(new SharedArrayBuffer(8)); // [round opened, round finished by the worker]
    const worker = startWorker('hot-done-worker.mjs', { group: wg, ctrl, rounds, seed: 7 });
    for (let round = 1; round <= rounds; round++) {
      // Open the round only once the worker is back to spinning, not still returning from its
      // last notify (spin a little, then sleep: another process may be using the other core).
      const deadline = Date.now() + HANG_GUARD_MS;
      for (let spins = 0, finished; (finished = Atomics.load(ctrl, 1)) < round - 1; ) {
        if (++spins > 20_000) Atomics.wait(ctrl, 1, finished, 1);
        assert.ok(Date.now() < deadline, 'hang guard: the hot worker');
      }
      wg.add(1);
      Atomics.store(ctrl, 0, round);
      Atomics.notify(ctrl, 0);
      // A lost wake-up leaves the waiter asleep: nothing else will notify it. The timeout fails the test.
      if (round % 2 === 1) wg.waitSync({ timeout: 5_000 });
      else await wg.wait({ timeout: 5_000 });
      assert.equal(wg.count, 0);
    }
    assert.equal(await exited(worker), 0);
  });


  test("TestWaitGroupMisuse3 (time-bounded): reuse right after one's own wait: the add succeeds, another waitSync() throws REUSED, a wait() resolves", async (t) => {
    const wg = new SharedWaitGroup();
    // [0] iteration opened, [1] G2 reopened in iteration, [2] finished, [3] REUSED (G3), [4] other errors
    const ctrl = new Int32Array(new SharedArrayBuffer(5 * 4));
    for (const role of ['G2', 'G3', 'G4']) startWorker('misuse3-worker.mjs', { group: wg, ctrl, role });
    const deadline = Date.now() + 4_000;
    let iteration = 0;
    while (Date.now() < deadline && Atomics.load(ctrl, 3) < 20 && iteration < 500) {
      iteration++;
      wg.add(1);
      Atomics.store(ctrl, 0, iteration);
      Atomics.notify(ctrl, 0);
      await until(() => wg.waiters === 3, `iteration ${iteration}: G2, G3 and G4 to wait`);
      wg.done(); // G1
      await until(() => Atomics.load(ctrl, 1) === iteration, `iteration ${iteration}: G2 to reopen`);
      // `go Done()`: the new round's task finishes a little later, as a goroutine would.
      await until(() => wg.waiters > 0, `iteration ${iteration}: G2 to wait again`);
      await sleep(1);
      wg.done();
      await until(() => Atomics.load(ctrl, 2) === 3 * iteration, `iteration ${iteration}: every role to finish`);
      assert.equal(wg.count, 0);
      assert.equal(wg.waiters, 0);
    }
    Atomics.store(ctrl, 0, -1);
    Atomics.notify(ctrl, 0);
    const reusedCount = Atomics.load(ctrl, 3);
    t.diagnostic(`${iteration} iterations: ${reusedCount} REUSED`);
    assert.equal(Atomics.load(ctrl, 4), 0, 'no other error: the reopening add never throws (no MISUSE) and wait() always resolves');
    assert.ok(reusedCount >= 1, `REUSED seen at least once in ${iteration} iterations`);
  });

  test('stress: workers hammer add/done while threads wait with random timeouts and aborts', async (t) => {
    const wg = new SharedWaitGroup();
    const hammers = 2;
    // [0] stop, [1] released, [2] timed out, [3] aborted, [4] reused, [5] violations, [6] errors,
    // [7] misuse (a hammer's add from zero raced with a release: refused, undone, retried)
    const ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
    const tasks = new Int32Array(new SharedArrayBuffer(2 * hammers * 4));
    const timersBefore = activeTimers();
    const pool = [
      ...Array.from({ length: hammers }, (_, index) =>
        startWorker('stress-worker.mjs', { group: wg, ctrl, tasks, role: 'hammer', index, hammers, seed: 1 + index }),
      ),
      ...Array.from({ length: 2 }, (_, index) =>
        startWorker('stress-worker.mjs', { group: wg, ctrl, tasks, role: 'waiter', index, hammers, seed: 100 + index }),
      ),
    ];
    // This thread waits too: bursts of async waits, plain, timed and aborted.
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const outcome = { released: 0, timedOut: 0, aborted: 0, violations: 0 };
    // Until 2,000 rounds have been released with waiters registered, or 8 s have passed with at
    // least 1,000 (a loaded machine is slower, not wrong); 60 s without 1,000 is a hang.
    const { wake } = raw(wg);
    const enough = Date.now() + 8_000;
    const hangGuard = Date.now() + 60_000;
    const going = (): boolean => {
      const released = Atomics.load(wake, 0);
      if (released >= 2_000 || Date.now() > hangGuard) return false;
      return released < 1_000 || Date.now() < enough;
    };
    while (going()) {
      const waits: Promise<void>[] = [];
      for (let i = 0; i < 8; i++) {
        const started = Array.from({ length: hammers }, (_, h) => Atomics.load(tasks, 2 * h));
        const kind = random();
        const controller = new AbortController();
        const options = kind < 0.3 ? undefined : kind < 0.65 ? { timeout: random() * 3 } : { signal: controller.signal };
        if (options !== undefined && 'signal' in options) setTimeout(() => controller.abort(), random() * 3);
        waits.push(
          wg.wait(options).then(
            () => {
              outcome.released++;
              for (let h = 0; h < hammers; h++) if (Atomics.load(tasks, 2 * h + 1) < started[h]!) outcome.violations++;
            },
            (error: unknown) => {
              if ((error as WaitGroupError).code === 'ERR_WAITGROUP_TIMEOUT') outcome.timedOut++;
              else if ((error as Error).name === 'AbortError') outcome.aborted++;
              else throw error;
            },
          ),
        );
      }
      await guard(Promise.all(waits), 'a burst of waits on the main thread');
    }
    Atomics.store(ctrl, 0, 1);
    assert.deepEqual(await Promise.all(pool.map(exited)), [0, 0, 0, 0], 'every worker finished: no hang, no lost wake-up');
    const releases = Atomics.load(wake, 0);
    const [released, timedOut, aborted, reusedCount, violations, errors, misuseCount] = Array.from(ctrl.subarray(1));
    t.diagnostic(
      `${releases} rounds released with waiters; workers: ${released} released, ${timedOut} timed out, ${aborted} aborted, ` +
        `${reusedCount} REUSED (released, then reused before waitSync returned); hammers: ${misuseCount} MISUSE (refused add, retried); ` +
        `main: ${JSON.stringify(outcome)}`,
    );
    assert.equal(violations, 0, 'no wait was released while a task started before it was unfinished');
    assert.equal(outcome.violations, 0);
    assert.equal(errors, 0);
    assert.ok(releases >= 1000, `hang guard: ${releases} rounds released in 60 s, not the 1,000 wanted`);
    assert.ok(outcome.timedOut > 0 && outcome.aborted > 0 && outcome.released > 0, 'every outcome happened on main');
    assert.ok(timedOut! > 0 && released! > 0, 'every outcome happened in the workers');
    assert.equal(wg.count, 0, 'the counter is back to zero');
    assert.equal(wg.waiters, 0, 'no waiter registration leaked');
    assert.equal(activeTimers(), timersBefore, 'no timer or keep-alive left on main');
  });

  test('generations wrap around: 70,000 released rounds, then the group still works', async () => {
    const wg = new SharedWaitGroup();
    for (let round = 0; round < 70_000; round++) {
      wg.add(1);
      const waiting = wg.wait();
      wg.done();
      await waiting;
    }
    assert.equal(generationOf(wg), 70_000 % 65_536);
    wg.add(1);
    const waiting = wg.wait({ timeout: 60_000 });
    assert.equal(await isSettled(waiting), false);
    wg.done();
    await waiting;
    assert.equal(wg.waiters, 0);
  });
});
