// The WaitGroupLike contract, run against every implementation (in-thread and shared).
// Scenarios from Go's src/sync/waitgroup_test.go, then the edge semantics of the README.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { WaitGroupError, type WaitGroupLike } from 'waitgroups';
import { isSettled, tick } from '../support/async.ts';

export function waitGroupContract(name: string, create: () => WaitGroupLike): void {
  describe(`${name}: WaitGroupLike contract`, () => {
    describe("Go's tests", () => {
      test('TestWaitGroup: two-stage barrier, 16 tasks, 8 rounds on the same groups', async () => {
        const wg1 = create();
        const wg2 = create();
        const n = 16;
        for (let round = 0; round < 8; round++) {
          let exited = 0;
          wg1.add(n);
          wg2.add(n);
          const tasks: Promise<void>[] = [];
          for (let i = 0; i < n; i++) {
            tasks.push(
              (async () => {
                await tick();
                wg1.done();
                await wg2.wait();
                exited++;
              })(),
            );
          }
          await wg1.wait();
          for (let i = 0; i < n; i++) {
            await tick();
            assert.equal(exited, 0, `round ${round}: WaitGroup released group too soon (before done #${i + 1})`);
            wg2.done();
          }
          await Promise.all(tasks);
          assert.equal(exited, n, `round ${round}: every task is released after the last done()`);
        }
      });

      test('TestWaitGroupMisuse: add(1); done(); done() fails with Go\'s exact message', () => {
        const wg = create();
        wg.add(1);
        wg.done();
        assert.throws(
          () => wg.done(),
          (error: unknown) =>
            error instanceof WaitGroupError &&
            error.name === 'WaitGroupError' &&
            error.code === 'ERR_WAITGROUP_NEGATIVE_COUNTER' &&
            error.message === 'sync: negative WaitGroup counter',
        );
        assert.equal(wg.count, 0, 'the counter is left at zero, not -1 (ours differs from Go)');
      });

      test('TestWaitGroupRace: 1000 rounds, two tasks increment then done(); wait() sees both', async () => {
        const wg = create();
        for (let round = 0; round < 1000; round++) {
          let n = 0;
          wg.add(2);
          for (let t = 0; t < 2; t++) {
            void (async () => {
              await null;
              n++;
              wg.done();
            })();
          }
          await wg.wait();
          assert.equal(n, 2, `round ${round}: spurious wakeup from wait()`);
        }
      });

      test('TestWaitGroupGo: go(() => i++); wait(); i === 1', async () => {
        const wg = create();
        let i = 0;
        void wg.go(() => {
          i++;
        });
        await wg.wait();
        assert.equal(i, 1);
      });
    });

    describe('add and done', () => {
      test('a new group is at zero: wait() resolves, repeatedly', async () => {
        const wg = create();
        assert.equal(wg.count, 0);
        assert.equal(wg.waiters, 0);
        for (let i = 0; i < 3; i++) assert.equal(await isSettled(wg.wait()), true);
        assert.equal(wg.waiters, 0);
      });

      test('add() defaults to 1 and done() is add(-1)', () => {
        const wg = create();
        wg.add();
        wg.add();
        assert.equal(wg.count, 2);
        wg.done();
        assert.equal(wg.count, 1);
        wg.add(-1);
        assert.equal(wg.count, 0);
      });

      test('add(0) is a no-op and releases nobody, even with waiters pending', async () => {
        const wg = create();
        wg.add(0);
        assert.equal(wg.count, 0);
        wg.add(1);
        const waiting = wg.wait();
        wg.add(0);
        assert.equal(await isSettled(waiting), false);
        assert.equal(wg.waiters, 1);
        wg.done();
        await waiting;
      });

      test('add(3); add(-3) leaves wait() immediate', async () => {
        const wg = create();
        wg.add(3);
        wg.add(-3);
        assert.equal(await isSettled(wg.wait()), true);
      });

      for (const [label, misuse] of [
        ['done() on a new group', (wg: WaitGroupLike) => wg.done()],
        ['add(2); add(-5)', (wg: WaitGroupLike) => (wg.add(2), wg.add(-5))],
        ['add(1); done(); done()', (wg: WaitGroupLike) => (wg.add(1), wg.done(), wg.done())],
        ['add(-1) on a new group', (wg: WaitGroupLike) => wg.add(-1)],
      ] as const) {
        test(`${label} throws ERR_WAITGROUP_NEGATIVE_COUNTER and leaves the counter unchanged`, async () => {
          const wg = create();
          assert.throws(() => misuse(wg), {
            name: 'WaitGroupError',
            code: 'ERR_WAITGROUP_NEGATIVE_COUNTER',
            message: 'sync: negative WaitGroup counter',
          });
          assert.equal(wg.count, label === 'add(2); add(-5)' ? 2 : 0);
          // Still usable after the error.
          wg.add(1);
          const waiting = wg.wait();
          wg.add(-wg.count);
          await waiting;
        });
      }

      test('the counter holds up to 2^31-1; one more is a RangeError and changes nothing', () => {
        const wg = create();
        wg.add(2 ** 31 - 1);
        assert.equal(wg.count, 2 ** 31 - 1);
        assert.throws(() => wg.add(1), RangeError);
        assert.throws(() => wg.go(() => assert.fail('must not run')), RangeError);
        assert.equal(wg.count, 2 ** 31 - 1);
        wg.add(-(2 ** 31 - 1));
        assert.equal(wg.count, 0);
        assert.throws(() => wg.add(2 ** 31), RangeError);
        assert.throws(() => wg.add(Number.MAX_SAFE_INTEGER), RangeError);
        assert.equal(wg.count, 0);
      });

      test('bad deltas are TypeErrors that name the argument and the value, and change nothing', () => {
        const wg = create();
        wg.add(1);
        for (const bad of ['1', 1.5, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, null, 2n, {}, 2 ** 53]) {
          assert.throws(() => wg.add(bad as number), (error: unknown) => {
            assert.ok(error instanceof TypeError, `add(${String(bad)}) throws a TypeError`);
            assert.match(error.message, /"delta"/);
            assert.match(error.message, /Received/);
            return true;
          });
        }
        assert.throws(() => wg.add('1' as unknown as number), /Received type string \('1'\)/);
        assert.equal(wg.count, 1);
        wg.done();
      });
    });

    describe('wait', () => {
      test('one done() releases every waiter', async () => {
        const wg = create();
        wg.add(1);
        const waits = Array.from({ length: 1000 }, () => wg.wait());
        assert.equal(wg.waiters, 1000);
        assert.equal(await isSettled(Promise.race(waits)), false);
        wg.done();
        assert.equal(wg.waiters, 0, 'the waiter count is reset when the round is released');
        await Promise.all(waits);
      });

      test('a positive add while waiters are pending delays their release until zero', async () => {
        const wg = create();
        wg.add(1);
        const waiting = wg.wait();
        wg.add(2);
        wg.done();
        assert.equal(await isSettled(waiting), false);
        wg.done();
        assert.equal(await isSettled(waiting), false);
        wg.done();
        await waiting;
      });

      test('each wait() belongs to its round: reuse in the same tick does not hold it back', async () => {
        const wg = create();
        wg.add(1);
        const first = wg.wait();
        wg.done(); // round 1 complete
        wg.add(1); // round 2 starts at once
        const second = wg.wait();
        assert.equal(await isSettled(first), true, 'the waiter of round 1 is released');
        assert.equal(await isSettled(second), false, 'the waiter of round 2 is not');
        assert.equal(wg.waiters, 1);
        wg.done();
        await second;
      });

      test('reuse over several rounds', async () => {
        const wg = create();
        for (let round = 1; round <= 5; round++) {
          let finished = 0;
          wg.add(round);
          for (let i = 0; i < round; i++) {
            setTimeout(() => {
              finished++;
              wg.done();
            }, i);
          }
          await wg.wait();
          assert.equal(finished, round);
          assert.equal(wg.count, 0);
          assert.equal(wg.waiters, 0);
        }
      });
    });

    describe('wait: cancellation', () => {
      test('an abort rejects with signal.reason, unwrapped, and removes the waiter and its listener', async () => {
        const wg = create();
        wg.add(1);
        const controller = new AbortController();
        const waiting = wg.wait({ signal: controller.signal });
        assert.equal(wg.waiters, 1);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
        const reason = new Error('stop');
        controller.abort(reason);
        assert.equal(wg.waiters, 0, 'waiters drops at once');
        await assert.rejects(waiting, (error) => error === reason);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        assert.equal(wg.count, 1, 'the counter is not touched');
        wg.done();
      });

      test('abort() without a reason rejects with an AbortError', async () => {
        const wg = create();
        wg.add(1);
        const controller = new AbortController();
        const waiting = wg.wait({ signal: controller.signal });
        controller.abort();
        await assert.rejects(waiting, { name: 'AbortError' });
        wg.done();
      });

      test('an already-aborted signal rejects without registering, even at zero', async () => {
        const wg = create();
        const reason = new Error('already');
        const signal = AbortSignal.abort(reason);
        await assert.rejects(wg.wait({ signal }), (error) => error === reason);
        wg.add(1);
        const waiting = wg.wait({ signal });
        assert.equal(wg.waiters, 0);
        assert.equal(getEventListeners(signal, 'abort').length, 0);
        await assert.rejects(waiting, (error) => error === reason);
        wg.done();
      });

      test('a timeout rejects with ERR_WAITGROUP_TIMEOUT naming the counter, and removes the waiter', async () => {
        const wg = create();
        wg.add(3);
        const waiting = wg.wait({ timeout: 5 });
        assert.equal(wg.waiters, 1);
        wg.done();
        await assert.rejects(waiting, (error: unknown) => {
          assert.ok(error instanceof WaitGroupError);
          assert.equal(error.code, 'ERR_WAITGROUP_TIMEOUT');
          assert.match(error.message, /counter at 2\b/);
          return true;
        });
        assert.equal(wg.waiters, 0);
        assert.equal(wg.count, 2);
        wg.add(-2);
      });

      test('timeout: 0 rejects at once unless the counter is zero; Infinity means no timeout', async () => {
        const wg = create();
        await wg.wait({ timeout: 0 });
        wg.add(1);
        await assert.rejects(wg.wait({ timeout: 0 }), { code: 'ERR_WAITGROUP_TIMEOUT' });
        assert.equal(wg.waiters, 0);
        const forever = wg.wait({ timeout: Infinity });
        assert.equal(await isSettled(forever), false);
        wg.done();
        await forever;
      });

      test('a waiter released by done() leaves no listener and no timer behind', async () => {
        const wg = create();
        wg.add(1);
        const controller = new AbortController();
        const timersBefore = activeTimers();
        const waits = [wg.wait({ signal: controller.signal, timeout: 60_000 }), wg.wait({ timeout: 60_000 })];
        assert.equal(activeTimers(), timersBefore + 2);
        wg.done();
        await Promise.all(waits);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        assert.equal(activeTimers(), timersBefore);
      });

      test('a waiter that gives up does not disturb the others of its round', async () => {
        const wg = create();
        wg.add(1);
        const controller = new AbortController();
        const plain = wg.wait();
        const timed = wg.wait({ timeout: 60_000 });
        const aborted = wg.wait({ signal: controller.signal });
        controller.abort();
        await assert.rejects(aborted, { name: 'AbortError' });
        assert.equal(wg.waiters, 2);
        wg.done();
        await Promise.all([plain, timed]);
        assert.equal(wg.waiters, 0);
      });

      test('an abort after the release changes nothing', async () => {
        const wg = create();
        wg.add(1);
        const controller = new AbortController();
        const waiting = wg.wait({ signal: controller.signal });
        wg.done();
        controller.abort();
        await waiting;
        assert.equal(wg.waiters, 0);
      });

      test('bad options throw synchronously and register nothing', () => {
        const wg = create();
        wg.add(1);
        const cases: [unknown, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor][] = [
          [{ timeout: -1 }, RangeError],
          [{ timeout: 2 ** 31 }, RangeError],
          [{ timeout: Number.NaN }, TypeError],
          [{ timeout: '5' }, TypeError],
          [{ signal: {} }, TypeError],
          [{ signal: 'x' }, TypeError],
          [null, TypeError],
          [5, TypeError],
        ];
        for (const [options, type] of cases) {
          assert.throws(() => wg.wait(options as never), type, `wait(${JSON.stringify(options)})`);
        }
        assert.equal(wg.waiters, 0);
        assert.equal(wg.count, 1);
        wg.done();
      });
    });

    describe('task handles', () => {
      test('task(label): add(1) now; done() once; a second done() names the label and changes nothing', () => {
        const wg = create();
        const task = wg.task('fetch');
        assert.equal(wg.count, 1);
        assert.equal(task.label, 'fetch');
        task.done();
        assert.equal(wg.count, 0);
        assert.throws(() => task.done(), {
          name: 'WaitGroupError',
          code: 'ERR_WAITGROUP_TASK_ALREADY_DONE',
          message: /task "fetch" is already done/,
        });
        assert.equal(wg.count, 0);
      });

      test('`using` marks the task done when its block exits, normally or by a throw', async () => {
        const wg = create();
        const failure = new Error('inside');
        const work = async (fail: boolean) => {
          using task = wg.task(fail ? 'failing' : 'ok');
          await tick();
          assert.equal(task.isDone, false, 'not done inside the block');
          if (fail) throw failure;
        };
        const results = Promise.allSettled([work(false), work(true)]);
        assert.equal(wg.count, 2);
        await wg.wait();
        assert.deepEqual(await results, [
          { status: 'fulfilled', value: undefined },
          { status: 'rejected', reason: failure },
        ]);
        {
          using early = wg.task();
          early.done(); // done early: the end of the block must not call done() again
        }
        assert.equal(wg.count, 0);
      });

      test('task(non-string) is a TypeError and takes no unit', () => {
        const wg = create();
        assert.throws(() => wg.task(1 as unknown as string), TypeError);
        assert.equal(wg.count, 0);
      });
    });

    describe('go', () => {
      test('go() counts the task until its outcome settles, and returns that outcome', async () => {
        const wg = create();
        let finish!: (value: string) => void;
        const result = wg.go(() => new Promise<string>((resolve) => (finish = resolve)));
        assert.equal(wg.count, 1);
        const waiting = wg.wait();
        assert.equal(await isSettled(waiting), false);
        finish('value');
        assert.equal(await result, 'value');
        await waiting;
        assert.equal(wg.count, 0);
      });

      test('go() with every kind of outcome: each task is done, each outcome reported', async () => {
        const wg = create();
        const failure = new Error('failed');
        const outcomes = await Promise.allSettled([
          wg.go(() => 1),
          wg.go(async () => 2),
          wg.go(() => {
            throw failure;
          }),
          wg.go(async () => {
            await null;
            throw failure;
          }),
          wg.go(() => ({ then: (resolve: (value: number) => void) => resolve(5) }) as unknown as PromiseLike<number>),
          wg.go(() => undefined),
        ]);
        assert.deepEqual(outcomes, [
          { status: 'fulfilled', value: 1 },
          { status: 'fulfilled', value: 2 },
          { status: 'rejected', reason: failure },
          { status: 'rejected', reason: failure },
          { status: 'fulfilled', value: 5 },
          { status: 'fulfilled', value: undefined },
        ]);
        assert.equal(wg.count, 0);
        await wg.wait();
      });

      test('nested go() from inside a task is waited for', async () => {
        const wg = create();
        const seen: string[] = [];
        void wg.go(async () => {
          await tick();
          void wg.go(async () => {
            await tick();
            void wg.go(async () => {
              await tick();
              seen.push('grandchild');
            });
            seen.push('child');
          });
          seen.push('parent');
        });
        await wg.wait();
        assert.deepEqual(seen, ['parent', 'child', 'grandchild']);
      });

      test('go(non-function) is a TypeError and changes nothing', () => {
        const wg = create();
        for (const bad of [42, null, undefined, 'fn', {}]) {
          assert.throws(() => wg.go(bad as never), TypeError);
        }
        assert.equal(wg.count, 0);
      });

      test('a stray done() inside a task is reported, with the task\'s own error as cause', async () => {
        const wg = create();
        const failure = new Error('task failed');
        const result = wg.go(async () => {
          await null;
          wg.done(); // the misuse: go() already calls done()
          throw failure;
        });
        await assert.rejects(result, (error: unknown) => {
          assert.ok(error instanceof WaitGroupError);
          assert.equal(error.code, 'ERR_WAITGROUP_NEGATIVE_COUNTER');
          assert.equal(error.cause, failure);
          return true;
        });
        await assert.rejects(
          wg.go(() => wg.done()),
          { code: 'ERR_WAITGROUP_NEGATIVE_COUNTER' },
        );
        assert.equal(wg.count, 0);
      });
    });
  });
}

/** The number of active timers of this process (Node's resource list). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
