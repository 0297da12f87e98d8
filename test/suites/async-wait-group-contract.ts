// The WaitGroup contract that every front keeps, run against all of them: WaitGroup, WaitGroup in
// debug mode, SharedWaitGroup (through wait-group-contract.ts) and RedisWaitGroup on a standalone
// server and on a cluster (through test/redis/contract.ts). Every call may return a promise and
// is awaited, so the scenarios hold for a front whose add() and done() are round trips. What only
// a synchronous front can show (same-tick reuse, the model) stays in wait-group-contract.ts;
// what only Redis has stays in test/redis. Scenarios from Go's src/sync/waitgroup_test.go and the
// edge semantics of the README.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { WaitGroup, WaitGroupError, type WaitOptions } from 'waitgroups';
import { isSettled, tick } from '../support/async.ts';
import { activeTimers } from '../support/timers.ts';

/** What the contract calls on a group: each call may return a promise. */
export interface AsyncWaitGroupLike {
  add(delta?: number): void | Promise<void>;
  done(): void | Promise<void>;
  wait(options?: WaitOptions): Promise<void>;
  go<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>>;
}

/** A task handle, synchronous or not. */
export interface AsyncTaskLike {
  readonly label: string;
  done(): void | Promise<void>;
}

/** A front under test: how to make a group and how to read what the contract checks. */
export interface AsyncFront<G extends AsyncWaitGroupLike> {
  create(): G;
  /** Takes a task labelled `label` (the fronts spell the options differently). */
  task(wg: G, label: string): AsyncTaskLike | Promise<AsyncTaskLike>;
  /** The counter. */
  count(wg: G): number | Promise<number>;
  /** The `wait()` calls of this object still pending. */
  waiters(wg: G): number | Promise<number>;
  /** Resolves once every pending `wait()` of `wg` belongs to its round (a remote wait reads first). */
  joined?(wg: G): Promise<void>;
  /** The front's own invariant, checked after the go() scenarios (a debug group's record). */
  check?(wg: G, context?: string): void;
  /** Each call is a round trip: the long loops run shorter, and timeouts that must see a done() are longer. */
  remote?: boolean;
}

const GO_NEGATIVE = 'sync: negative WaitGroup counter';

/** The error WaitGroup throws for `fn`, so that every front's can be compared with it. */
function inThread(fn: (wg: WaitGroup) => unknown): Error {
  try {
    fn(new WaitGroup());
  } catch (error) {
    return error as Error;
  }
  throw new Error('WaitGroup did not throw');
}

/** Whether `error` is the negative-counter error: Go's exact text (a debug group adds lines). */
function isNegativeCounter(error: unknown): boolean {
  return (
    error instanceof WaitGroupError &&
    error.name === 'WaitGroupError' &&
    error.code === 'ERR_WAITGROUP_NEGATIVE_COUNTER' &&
    error.message.split('\n')[0] === GO_NEGATIVE
  );
}

export function asyncWaitGroupContract<G extends AsyncWaitGroupLike>(name: string, front: () => AsyncFront<G>): void {
  describe(`${name}: the WaitGroup contract (every front)`, () => {
    describe("Go's tests", () => {
      test('TestWaitGroup: two-stage barrier, 16 tasks, several rounds on the same groups', async () => {
        const { create, remote } = front();
        const wg1 = create();
        const wg2 = create();
        const n = 16;
        for (let round = 0; round < (remote ? 4 : 8); round++) {
          let exited = 0;
          await wg1.add(n);
          await wg2.add(n);
          const tasks: Promise<void>[] = [];
          for (let i = 0; i < n; i++) {
            tasks.push(
              (async () => {
                await tick();
                await wg1.done();
                await wg2.wait();
                exited++;
              })(),
            );
          }
          await wg1.wait();
          for (let i = 0; i < n; i++) {
            await tick();
            assert.equal(exited, 0, `round ${round}: WaitGroup released group too soon (before done #${i + 1})`);
            await wg2.done();
          }
          await Promise.all(tasks);
          assert.equal(exited, n, `round ${round}: every task is released after the last done()`);
        }
      });

      test("TestWaitGroupMisuse: add(1); done(); done() fails with Go's exact message", async () => {
        const { create, count } = front();
        const wg = create();
        await wg.add(1);
        await wg.done();
        await assert.rejects(async () => wg.done(), isNegativeCounter);
        assert.equal(await count(wg), 0, 'the counter is left at zero, not -1 (ours differs from Go)');
      });

      test('TestWaitGroupRace: many rounds, two tasks increment then done(); wait() sees both', async () => {
        const { create, remote } = front();
        const wg = create();
        for (let round = 0; round < (remote ? 100 : 1000); round++) {
          let n = 0;
          await wg.add(2);
          const work = [0, 1].map(async () => {
            await null;
            n++;
            await wg.done();
          });
          await wg.wait();
          assert.equal(n, 2, `round ${round}: spurious wakeup from wait()`);
          await Promise.all(work);
        }
      });

      test('TestWaitGroupGo: go(() => i++); wait(); i === 1', async () => {
        const wg = front().create();
        let i = 0;
        await wg.go(() => {
          i++;
        });
        await wg.wait();
        assert.equal(i, 1);
      });
    });

    describe('add and done', () => {
      test('a new group is at zero: wait() resolves, repeatedly', async () => {
        const { create, count, waiters } = front();
        const wg = create();
        assert.equal(await count(wg), 0);
        assert.equal(await waiters(wg), 0);
        for (let i = 0; i < 3; i++) await wg.wait();
        assert.equal(await waiters(wg), 0);
      });

      test('add() defaults to 1 and done() is add(-1)', async () => {
        const { create, count } = front();
        const wg = create();
        await wg.add();
        await wg.add();
        assert.equal(await count(wg), 2);
        await wg.done();
        assert.equal(await count(wg), 1);
        await wg.add(-1);
        assert.equal(await count(wg), 0);
      });

      test('add(0) is a no-op and releases nobody, even with waiters pending', async () => {
        const { create, count, waiters } = front();
        const wg = create();
        await wg.add(0);
        assert.equal(await count(wg), 0);
        await wg.add(1);
        const waiting = wg.wait();
        await wg.add(0);
        assert.equal(await isSettled(waiting), false);
        assert.equal(await waiters(wg), 1);
        await wg.done();
        await waiting;
      });

      test('add(3); add(-3): wait() resolves', async () => {
        const { create, count } = front();
        const wg = create();
        await wg.add(3);
        await wg.add(-3);
        assert.equal(await count(wg), 0);
        await wg.wait();
      });

      for (const [label, misuse, left] of [
        ['done() on a new group', (wg: AsyncWaitGroupLike) => wg.done(), 0],
        ['add(2); add(-5)', async (wg: AsyncWaitGroupLike) => (await wg.add(2), await wg.add(-5)), 2],
        ['add(1); done(); done()', async (wg: AsyncWaitGroupLike) => (await wg.add(1), await wg.done(), await wg.done()), 0],
        ['add(-1) on a new group', (wg: AsyncWaitGroupLike) => wg.add(-1), 0],
      ] as const) {
        test(`${label} fails with ERR_WAITGROUP_NEGATIVE_COUNTER and leaves the counter unchanged`, async () => {
          const { create, count } = front();
          const wg = create();
          await assert.rejects(async () => misuse(wg), isNegativeCounter);
          assert.equal(await count(wg), left);
          // Still usable after the error.
          await wg.add(1);
          const waiting = wg.wait();
          await wg.add(-(await count(wg)));
          await waiting;
        });
      }

      test('the counter holds up to 2^31-1; one more is the RangeError of WaitGroup and changes nothing', async () => {
        const { create, count, task } = front();
        const wg = create();
        await wg.add(2 ** 31 - 1);
        assert.equal(await count(wg), 2 ** 31 - 1);
        const expected = inThread((g) => (g.add(2 ** 31 - 1), g.add(1)));
        await assert.rejects(async () => wg.add(1), { name: 'RangeError', message: expected.message });
        await assert.rejects(async () => task(wg, 'one too many'), RangeError);
        await assert.rejects(async () => wg.go(() => assert.fail('must not run')), RangeError);
        assert.equal(await count(wg), 2 ** 31 - 1);
        await wg.add(-(2 ** 31 - 1));
        assert.equal(await count(wg), 0);
        await assert.rejects(async () => wg.add(2 ** 31), { name: 'RangeError', message: inThread((g) => g.add(2 ** 31)).message });
        await assert.rejects(async () => wg.add(Number.MAX_SAFE_INTEGER), RangeError);
        assert.equal(await count(wg), 0);
      });

      test('bad deltas throw the TypeErrors of WaitGroup, synchronously, naming the argument and the value, and change nothing', async () => {
        const { create, count } = front();
        const wg = create();
        await wg.add(1);
        for (const bad of ['1', 1.5, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, null, 2n, {}, 2 ** 53]) {
          const expected = inThread((g) => g.add(bad as number));
          assert.match(expected.message, /"delta".*Received/s);
          assert.throws(() => wg.add(bad as number), { name: 'TypeError', message: expected.message }, `add(${String(bad)})`);
        }
        assert.throws(() => wg.add('1' as unknown as number), /Received type string \('1'\)/);
        assert.equal(await count(wg), 1);
        await wg.done();
      });
    });

    describe('wait', () => {
      test('one done() releases every waiter', async () => {
        const { create, waiters, joined, remote } = front();
        const wg = create();
        const n = remote ? 100 : 1000;
        await wg.add(1);
        const waits = Array.from({ length: n }, () => wg.wait());
        assert.equal(await waiters(wg), n);
        await joined?.(wg);
        assert.equal(await isSettled(Promise.race(waits)), false);
        await wg.done();
        await Promise.all(waits);
        assert.equal(await waiters(wg), 0);
      });

      test('a positive add while waiters are pending delays their release until zero', async () => {
        const wg = front().create();
        await wg.add(1);
        const waiting = wg.wait();
        await wg.add(2);
        await wg.done();
        assert.equal(await isSettled(waiting), false);
        await wg.done();
        assert.equal(await isSettled(waiting), false);
        await wg.done();
        await waiting;
      });

      test('each wait() belongs to its round: reuse right after the release does not hold it back', async () => {
        const { create, waiters, joined } = front();
        const wg = create();
        await wg.add(1);
        const first = wg.wait();
        await joined?.(wg);
        await wg.done(); // round 1 complete
        await wg.add(1); // round 2 starts at once
        const second = wg.wait();
        await first;
        assert.equal(await isSettled(second), false, 'the waiter of round 2 is not released');
        assert.equal(await waiters(wg), 1);
        await wg.done();
        await second;
      });

      test('reuse over several rounds', async () => {
        const { create, count, waiters } = front();
        const wg = create();
        for (let round = 1; round <= 5; round++) {
          let finished = 0;
          await wg.add(round);
          const dones: Promise<void>[] = [];
          for (let i = 0; i < round; i++) {
            dones.push(
              new Promise((resolve, reject) =>
                setTimeout(() => {
                  finished++;
                  Promise.resolve(wg.done()).then(resolve, reject);
                }, i),
              ),
            );
          }
          await wg.wait();
          assert.equal(finished, round);
          await Promise.all(dones);
          assert.equal(await count(wg), 0);
          assert.equal(await waiters(wg), 0);
        }
      });
    });

    describe('wait: cancellation', () => {
      test('an abort rejects with signal.reason, unwrapped, and removes the waiter and its listener; the counter is untouched', async () => {
        const { create, count, waiters } = front();
        const wg = create();
        await wg.add(1);
        const controller = new AbortController();
        const waiting = wg.wait({ signal: controller.signal });
        assert.equal(await waiters(wg), 1);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
        const reason = new Error('stop');
        controller.abort(reason);
        await assert.rejects(waiting, (error) => error === reason);
        assert.equal(await waiters(wg), 0);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        assert.equal(await count(wg), 1, 'the counter is not touched');
        await wg.done();
      });

      test('abort() without a reason rejects with an AbortError', async () => {
        const wg = front().create();
        await wg.add(1);
        const controller = new AbortController();
        const waiting = wg.wait({ signal: controller.signal });
        controller.abort();
        await assert.rejects(waiting, { name: 'AbortError' });
        await wg.done();
      });

      test('an already-aborted signal rejects without registering, even at zero', async () => {
        const { create, waiters } = front();
        const wg = create();
        const reason = new Error('already');
        const signal = AbortSignal.abort(reason);
        await assert.rejects(wg.wait({ signal }), (error) => error === reason);
        await wg.add(1);
        const rejected = assert.rejects(wg.wait({ signal }), (error) => error === reason);
        assert.equal(await waiters(wg), 0);
        assert.equal(getEventListeners(signal, 'abort').length, 0);
        await rejected;
        await wg.done();
      });

      test('a timeout rejects with ERR_WAITGROUP_TIMEOUT naming the counter, and removes the waiter', async () => {
        const { create, count, waiters, remote } = front();
        const wg = create();
        await wg.add(3);
        const rejected = assert.rejects(wg.wait({ timeout: remote ? 200 : 5 }), (error: unknown) => {
          assert.ok(error instanceof WaitGroupError);
          assert.equal(error.code, 'ERR_WAITGROUP_TIMEOUT');
          assert.match(error.message, /counter at 2\b/);
          return true;
        });
        assert.equal(await waiters(wg), 1);
        await wg.done();
        await rejected;
        assert.equal(await waiters(wg), 0);
        assert.equal(await count(wg), 2);
        await wg.add(-2);
      });

      test('timeout: 0 rejects at once unless the counter is zero; Infinity means no timeout', async () => {
        const { create, waiters } = front();
        const wg = create();
        await wg.wait({ timeout: 0 });
        await wg.add(1);
        await assert.rejects(wg.wait({ timeout: 0 }), { code: 'ERR_WAITGROUP_TIMEOUT' });
        assert.equal(await waiters(wg), 0);
        const forever = wg.wait({ timeout: Infinity });
        await new Promise((resolve) => setTimeout(resolve, 20)); // a timer of Infinity would fire at once
        assert.equal(await isSettled(forever), false);
        await wg.done();
        await forever;
      });

      test('a waiter released by done() leaves no listener and no timer behind', async () => {
        const wg = front().create();
        await wg.add(1);
        const controller = new AbortController();
        const timersBefore = activeTimers();
        const waits = [wg.wait({ signal: controller.signal, timeout: 60_000 }), wg.wait({ timeout: 60_000 })];
        assert.equal(activeTimers(), timersBefore + 2);
        await wg.done();
        await Promise.all(waits);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        assert.equal(activeTimers(), timersBefore);
      });

      test('waiters that abort or time out leave no listener and no timer behind', async () => {
        const { create, waiters } = front();
        const wg = create();
        await wg.add(1);
        const timersBefore = activeTimers();
        const controller = new AbortController();
        const aborted = assert.rejects(wg.wait({ signal: controller.signal, timeout: 60_000 }), { name: 'AbortError' });
        const timed = assert.rejects(wg.wait({ timeout: 50 }), { code: 'ERR_WAITGROUP_TIMEOUT' });
        await new Promise((resolve) => setTimeout(resolve, 20));
        controller.abort();
        await Promise.all([aborted, timed]);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        assert.equal(activeTimers(), timersBefore);
        assert.equal(await waiters(wg), 0);
        await wg.done();
      });

      test('a waiter that gives up does not disturb the others of its round', async () => {
        const { create, waiters } = front();
        const wg = create();
        await wg.add(1);
        const controller = new AbortController();
        const plain = wg.wait();
        const timed = wg.wait({ timeout: 60_000 });
        const aborted = wg.wait({ signal: controller.signal });
        controller.abort();
        await assert.rejects(aborted, { name: 'AbortError' });
        assert.equal(await waiters(wg), 2);
        await wg.done();
        await Promise.all([plain, timed]);
        assert.equal(await waiters(wg), 0);
      });

      test('bad options throw the errors of WaitGroup, synchronously, and register nothing', async () => {
        const { create, count, waiters } = front();
        const wg = create();
        await wg.add(1);
        const cases: [unknown, TypeErrorConstructor | RangeErrorConstructor][] = [
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
          const expected = inThread((g) => (g.add(1), g.wait(options as never)));
          assert.ok(expected instanceof type, `WaitGroup: wait(${JSON.stringify(options)}) throws a ${type.name}`);
          assert.throws(() => wg.wait(options as never), { name: expected.name, message: expected.message }, `wait(${JSON.stringify(options)})`);
        }
        assert.equal(await waiters(wg), 0);
        assert.equal(await count(wg), 1);
        await wg.done();
      });
    });

    describe('tasks', () => {
      test('a task takes one unit now; done() once; a second done() names the label and changes nothing', async () => {
        const { create, count, task } = front();
        const wg = create();
        const handle = await task(wg, 'fetch');
        assert.equal(await count(wg), 1);
        assert.equal(handle.label, 'fetch');
        await handle.done();
        assert.equal(await count(wg), 0);
        await assert.rejects(async () => handle.done(), {
          name: 'WaitGroupError',
          code: 'ERR_WAITGROUP_TASK_ALREADY_DONE',
          message: /task "fetch" is already done/,
        });
        assert.equal(await count(wg), 0);
      });

      test('a task with a non-string label is the TypeError of WaitGroup, synchronously, and takes no unit', async () => {
        const { create, count, task } = front();
        const wg = create();
        assert.throws(() => task(wg, 1 as never), { name: 'TypeError', message: inThread((g) => g.task(1 as never)).message });
        assert.equal(await count(wg), 0);
      });
    });

    describe('go', () => {
      test('go() counts the task until its outcome settles, and returns that outcome', async () => {
        const { create, count } = front();
        const wg = create();
        let finish!: (value: string) => void;
        let started!: () => void;
        const running = new Promise<void>((resolve) => (started = resolve));
        const result = wg.go(() => {
          started();
          return new Promise<string>((resolve) => (finish = resolve));
        });
        await running; // the task is counted before it runs
        assert.equal(await count(wg), 1);
        const waiting = wg.wait();
        assert.equal(await isSettled(waiting), false);
        finish('value');
        assert.equal(await result, 'value');
        await waiting;
        assert.equal(await count(wg), 0);
      });

      test('go() with every kind of outcome: each task is done, each outcome reported', async () => {
        const { create, count } = front();
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
        assert.equal(await count(wg), 0);
        await wg.wait();
      });

      test('nested go() from inside a task is waited for', async () => {
        const wg = front().create();
        const seen: string[] = [];
        const top = wg.go(async () => {
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
        await top;
        await wg.wait();
        assert.deepEqual(seen, ['parent', 'child', 'grandchild']);
      });

      test('go(non-function) is a TypeError, synchronously, and changes nothing', async () => {
        const { create, count } = front();
        const wg = create();
        for (const bad of [42, null, undefined, 'fn', {}]) {
          assert.throws(() => wg.go(bad as never), TypeError);
        }
        assert.equal(await count(wg), 0);
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
          const { create, count, check } = front();
          const wg = create();
          await wg.add(1); // an unrelated unit, still held
          await Promise.allSettled([wg.go(make)]);
          await tick();
          assert.equal(await count(wg), 1, 'the task is done once: the unrelated unit is still counted');
          check?.(wg);
          const waiting = wg.wait();
          assert.equal(await isSettled(waiting), false);
          await wg.done();
          await waiting;
        });
      }

      test('go() with a thenable whose then getter throws: the task fails with that error, once', async () => {
        const { create, count, check } = front();
        const wg = create();
        const failure = new Error('getter');
        const result = wg.go(() => ({
          get then(): never {
            throw failure;
          },
        }));
        await assert.rejects(result, (error) => error === failure);
        assert.equal(await count(wg), 0);
        check?.(wg);
      });
    });
  });
}

/** A thenable whose `then` is `then`: for tasks that misbehave. */
function thenable(then: (ok: (value: unknown) => void, fail: (error: unknown) => void) => void): PromiseLike<unknown> {
  return { then } as unknown as PromiseLike<unknown>;
}
