// The WaitGroupLike contract, run against every variant: WaitGroup, WaitGroup in debug mode (whose
// add() and done() are copies of its own) and SharedWaitGroup. Scenarios from Go's
// src/sync/waitgroup_test.go, the edge semantics of the README, and a model-based property test.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { WaitGroupError, type WaitGroupInspection, type WaitGroupLike } from 'waitgroups';
import { isSettled, tick } from '../support/async.ts';
import { activeTimers } from '../support/timers.ts';

/**
 * The debug invariant: in debug mode the outstanding units add up to the counter, after every
 * operation. A group that records nothing (not in debug mode, or a SharedWaitGroup) has nothing
 * to check.
 */
export function assertRecordMatchesCount(wg: WaitGroupLike, context = ''): void {
  const inspect = (wg as { inspect?: () => WaitGroupInspection }).inspect;
  if (typeof inspect !== 'function') return;
  const { debug, count, outstanding } = inspect.call(wg);
  if (!debug) return;
  const units = outstanding.reduce((sum, task) => sum + task.units, 0);
  assert.equal(units, count, `debug record: outstanding units ${JSON.stringify(outstanding.map((t) => `${t.label}:${t.units}`))} must add up to the counter ${count}${context}`);
}

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
            // Go's exact text; a debug group adds a line that names the likely add.
            error.message.split('\n')[0] === 'sync: negative WaitGroup counter',
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
            message: /^sync: negative WaitGroup counter(\n|$)/,
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
        assertRecordMatchesCount(wg);
      });

      // A task is marked done exactly once, whatever its promise or thenable does; an unrelated
      // unit held meanwhile must stay counted.
      const misbehaving: [string, () => PromiseLike<unknown>][] = [
        [
          'a Promise whose own then() calls back twice',
          () => Object.defineProperty(Promise.resolve(1), 'then', { value: (ok: (v: number) => void) => (ok(1), ok(2)) }),
        ],
        [
          'a Promise whose own then() calls both callbacks',
          () =>
            Object.defineProperty(Promise.resolve(1), 'then', {
              value: (ok: (v: number) => void, fail: (e: Error) => void) => (ok(1), fail(new Error('and failed'))),
            }),
        ],
        ['a thenable that calls back twice', () => thenable((ok) => (ok(1), ok(2)))],
        ['a thenable that rejects twice', () => thenable((_, fail) => (fail(new Error('a')), fail(new Error('b'))))],
        [
          'a thenable that throws after calling back',
          () =>
            thenable((ok) => {
              ok(1);
              throw new Error('after');
            }),
        ],
      ];
      for (const [what, make] of misbehaving) {
        test(`go() ends a task exactly once: ${what}`, async () => {
          const wg = create();
          wg.add(1); // an unrelated unit, still held
          const result = wg.go(make);
          result.catch(() => {});
          await tick();
          await tick();
          assert.equal(wg.count, 1, 'the task is done once: the unrelated unit is still counted');
          assertRecordMatchesCount(wg);
          assert.equal(await isSettled(wg.wait()), false);
          wg.done();
          await wg.wait();
        });
      }

      test('go() with a thenable that never calls back: the task stays pending, and counted', async () => {
        const wg = create();
        const result = wg.go(() => ({ then: () => {} }));
        await tick();
        assert.equal(wg.count, 1);
        assert.equal(await isSettled(result), false);
        wg.done(); // end it by hand, so that nothing stays pending
        assertRecordMatchesCount(wg);
      });

      test('go() with a thenable whose then getter throws: the task fails with that error, once', async () => {
        const wg = create();
        const failure = new Error('getter');
        const result = wg.go(() => ({
          get then(): never {
            throw failure;
          },
        }));
        await assert.rejects(result, (error) => error === failure);
        assert.equal(wg.count, 0);
        assertRecordMatchesCount(wg);
      });
    });

    describe('model', () => {
      test('random add/done/wait/go/abort programs behave like the reference model', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(opArbitrary, { maxLength: 40 }), async (ops) => runModel(create(), ops)),
          { numRuns: 200 },
        );
      });
    });
  });
}

/** A thenable whose `then` is `then`: for tasks that misbehave. */
function thenable(then: (ok: (value: unknown) => void, fail: (error: unknown) => void) => void): PromiseLike<unknown> {
  return { then } as unknown as PromiseLike<unknown>;
}

// ---------------------------------------------------------------------------------------
// Model-based property test: random programs run against the group and against a small
// reference model; after every step the counter, the waiter count, the state of every wait()
// and which calls threw must agree, and a debug group's record must add up to the counter.

type Op =
  | { op: 'add'; delta: number }
  | { op: 'done' }
  | { op: 'wait'; kind: 'plain' | 'signal' | 'timeout0' | 'aborted' }
  | { op: 'abort'; index: number }
  | { op: 'go'; kind: 'value' | 'throw' | 'held' }
  | { op: 'settle'; index: number; ok: boolean };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('add' as const), delta: fc.integer({ min: -3, max: 3 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('done' as const) }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant('wait' as const),
      kind: fc.constantFrom('plain' as const, 'signal' as const, 'timeout0' as const, 'aborted' as const),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('abort' as const), index: fc.nat(20) }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant('go' as const), kind: fc.constantFrom('value' as const, 'throw' as const, 'held' as const) }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant('settle' as const), index: fc.nat(20), ok: fc.boolean() }), weight: 2 },
);

type WaitState = 'pending' | 'resolved' | 'rejected';

async function runModel(wg: WaitGroupLike, ops: Op[]): Promise<void> {
  // The model: a counter, and the state of every wait by index.
  let count = 0;
  const modelWaits: WaitState[] = [];
  const roundOf: boolean[] = []; // still in the current round (pending in the model)
  // The real side.
  const realWaits: WaitState[] = [];
  const controllers: (AbortController | undefined)[] = [];
  const heldTasks: { settle: (ok: boolean) => void; done: boolean }[] = [];

  const releaseModel = () => {
    for (const [i, pending] of roundOf.entries()) {
      if (pending) {
        roundOf[i] = false;
        modelWaits[i] = 'resolved';
      }
    }
  };
  const modelAdd = (delta: number): boolean => {
    if (count + delta < 0) return false;
    count += delta;
    if (count === 0) releaseModel();
    return true;
  };
  const track = (promise: Promise<unknown>) => {
    const i = realWaits.length;
    realWaits.push('pending');
    promise.then(
      () => (realWaits[i] = 'resolved'),
      () => (realWaits[i] = 'rejected'),
    );
  };

  for (const [index, step] of ops.entries()) {
    switch (step.op) {
      case 'add':
      case 'done': {
        const delta = step.op === 'add' ? step.delta : -1;
        const expectOk = count + delta >= 0;
        let threw = false;
        try {
          if (step.op === 'add') wg.add(delta);
          else wg.done();
        } catch (error) {
          threw = true;
          assert.equal((error as { code?: string }).code, 'ERR_WAITGROUP_NEGATIVE_COUNTER');
        }
        assert.equal(threw, !expectOk, `${step.op}(${delta}) at ${count}`);
        modelAdd(delta);
        break;
      }
      case 'wait': {
        const controller = step.kind === 'signal' || step.kind === 'aborted' ? new AbortController() : undefined;
        if (step.kind === 'aborted') controller!.abort();
        controllers.push(controller);
        track(step.kind === 'timeout0' ? wg.wait({ timeout: 0 }) : controller ? wg.wait({ signal: controller.signal }) : wg.wait());
        const atZero = count === 0 && step.kind !== 'aborted';
        const givesUp = step.kind === 'aborted' || (step.kind === 'timeout0' && count > 0);
        modelWaits.push(atZero ? 'resolved' : givesUp ? 'rejected' : 'pending');
        roundOf.push(!atZero && !givesUp);
        break;
      }
      case 'abort': {
        const i = step.index % Math.max(1, controllers.length);
        const controller = controllers[i];
        if (controller === undefined) break;
        controller.abort();
        if (roundOf[i]) {
          roundOf[i] = false;
          modelWaits[i] = 'rejected';
        }
        break;
      }
      case 'go': {
        if (step.kind === 'held') {
          let settle!: (ok: boolean) => void;
          const held = { settle: (ok: boolean) => settle(ok), done: false };
          heldTasks.push(held);
          void wg
            .go(() => new Promise<void>((resolve, reject) => (settle = (ok) => (ok ? resolve() : reject(new Error('held task failed'))))))
            .catch(() => {});
          modelAdd(1);
        } else {
          const result = wg.go(() => {
            if (step.kind === 'throw') throw new Error('task failed');
            return 1;
          });
          result.catch(() => {});
          // Synchronous outcomes are done before go() returns: +1 then -1.
          modelAdd(1);
          modelAdd(-1);
        }
        break;
      }
      case 'settle': {
        const open = heldTasks.filter((task) => !task.done);
        const task = open[step.index % Math.max(1, open.length)];
        if (task === undefined) break;
        task.done = true;
        task.settle(step.ok);
        await tick(); // the task's done() runs when its promise settles
        modelAdd(-1);
        break;
      }
    }
    await tick();
    const context = ` after step ${index} (${JSON.stringify(step)})`;
    assert.equal(wg.count, count, `count${context}`);
    assert.equal(wg.waiters, roundOf.filter(Boolean).length, `waiters${context}`);
    assert.deepEqual(realWaits, modelWaits, `the state of every wait()${context}`);
    assertRecordMatchesCount(wg, context);
  }
  // Finish every held task and release every wait, so that nothing is left pending (the
  // deadlock report at exit would rightly fail the file otherwise).
  for (const task of heldTasks) if (!task.done) task.settle(true);
  await tick();
  if (wg.count > 0) wg.add(-wg.count);
  await tick();
  assert.equal(wg.waiters, 0);
}
