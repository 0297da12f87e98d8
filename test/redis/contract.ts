// The WaitGroupLike contract's scenarios (test/suites/wait-group-contract.ts), adapted to
// RedisWaitGroup's async add/done/task/go, run against a real server: standalone or cluster.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { WaitGroup } from 'waitgroups';
import { WaitGroupError, type RedisWaitGroup } from 'waitgroups/redis';
import { isSettled, tick } from '../support/async.ts';

/** What a contract run needs: a fresh group on its own name, and a raw command on its node. */
export interface RedisTarget {
  create(): RedisWaitGroup;
  /** Sends a command to the node that holds `key` (PUBSUB, INFO...). */
  command(key: string, args: string[]): Promise<unknown>;
}

async function count(wg: RedisWaitGroup): Promise<number> {
  return (await wg.inspect()).count;
}

/** The message WaitGroup gives for `fn`, so that ours can be compared with it. */
function inThread(fn: (wg: WaitGroup) => unknown): Error {
  try {
    fn(new WaitGroup());
  } catch (error) {
    return error as Error;
  }
  throw new Error('WaitGroup did not throw');
}

export function redisContract(name: string, target: () => RedisTarget): void {
  describe(`${name}: the WaitGroup contract, async`, () => {
    describe("Go's tests", () => {
      test('TestWaitGroup: two-stage barrier, 16 tasks, 4 rounds on the same groups', async () => {
        const wg1 = target().create();
        const wg2 = target().create();
        const n = 16;
        for (let round = 0; round < 4; round++) {
          let exited = 0;
          await wg1.add(n);
          await wg2.add(n);
          const tasks: Promise<void>[] = [];
          for (let i = 0; i < n; i++) {
            tasks.push(
              (async () => {
                await wg1.done();
                await wg2.wait();
                exited++;
              })(),
            );
          }
          await wg1.wait();
          for (let i = 0; i < n; i++) {
            await tick();
            assert.equal(exited, 0, `round ${round}: released too soon (before done #${i + 1})`);
            await wg2.done();
          }
          await Promise.all(tasks);
          assert.equal(exited, n);
        }
      });

      test("TestWaitGroupMisuse: add(1); done(); done() fails with Go's exact message", async () => {
        const wg = target().create();
        await wg.add(1);
        await wg.done();
        await assert.rejects(wg.done(), {
          name: 'WaitGroupError',
          code: 'ERR_WAITGROUP_NEGATIVE_COUNTER',
          message: 'sync: negative WaitGroup counter',
        });
        assert.equal(await count(wg), 0);
      });

      test('TestWaitGroupRace: 100 rounds, two tasks increment then done(); wait() sees both', async () => {
        const wg = target().create();
        for (let round = 0; round < 100; round++) {
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
        const wg = target().create();
        let i = 0;
        const going = wg.go(() => {
          i++;
        });
        await going;
        await wg.wait();
        assert.equal(i, 1);
      });
    });

    describe('add and done', () => {
      test('a new group is at zero: wait() resolves, repeatedly; inspect() says new', async () => {
        const wg = target().create();
        for (let i = 0; i < 3; i++) await wg.wait();
        assert.equal((await wg.inspect()).state, 'new');
      });

      test('add() defaults to 1 and done() is add(-1)', async () => {
        const wg = target().create();
        await wg.add();
        await wg.add();
        assert.equal(await count(wg), 2);
        await wg.done();
        assert.equal(await count(wg), 1);
        await wg.add(-1);
        assert.equal(await count(wg), 0);
      });

      test('add(0) is a no-op and releases nobody, even with waiters pending', async () => {
        const wg = target().create();
        await wg.add(0);
        assert.equal((await wg.inspect()).state, 'new', 'add(0) creates nothing');
        await wg.add(1);
        const waiting = wg.wait();
        await wg.add(0);
        assert.equal(await isSettled(waiting), false);
        await wg.done();
        await waiting;
      });

      for (const [label, misuse, left] of [
        ['done() on a new group', (wg: RedisWaitGroup) => wg.done(), 0],
        ['add(2); add(-5)', async (wg: RedisWaitGroup) => (await wg.add(2), await wg.add(-5)), 2],
        ['add(1); done(); done()', async (wg: RedisWaitGroup) => (await wg.add(1), await wg.done(), await wg.done()), 0],
        ['add(-1) on a new group', (wg: RedisWaitGroup) => wg.add(-1), 0],
      ] as const) {
        test(`${label} rejects with ERR_WAITGROUP_NEGATIVE_COUNTER and leaves the counter unchanged`, async () => {
          const wg = target().create();
          await assert.rejects(misuse(wg), {
            name: 'WaitGroupError',
            code: 'ERR_WAITGROUP_NEGATIVE_COUNTER',
            message: inThread((g) => g.done()).message,
          });
          assert.equal(await count(wg), left);
          await wg.add(1);
          const waiting = wg.wait();
          await wg.add(-(await count(wg)));
          await waiting;
        });
      }

      test('the counter holds up to 2^31-1; one more is the RangeError of WaitGroup and changes nothing', async () => {
        const wg = target().create();
        await wg.add(2 ** 31 - 1);
        assert.equal(await count(wg), 2 ** 31 - 1);
        const expected = inThread((g) => (g.add(2 ** 31 - 1), g.add(1)));
        await assert.rejects(wg.add(1), { name: 'RangeError', message: expected.message });
        await assert.rejects(wg.task(), RangeError);
        await assert.rejects(wg.go(() => assert.fail('must not run')), RangeError);
        assert.equal(await count(wg), 2 ** 31 - 1);
        await wg.add(-(2 ** 31 - 1));
        await assert.rejects(wg.add(2 ** 31), { message: inThread((g) => g.add(2 ** 31)).message });
        assert.equal(await count(wg), 0);
      });

      test('bad deltas throw the TypeErrors of WaitGroup, synchronously, and change nothing', async () => {
        const wg = target().create();
        await wg.add(1);
        for (const bad of ['1', 1.5, Number.NaN, Number.POSITIVE_INFINITY, null, 2n, {}, 2 ** 53]) {
          const expected = inThread((g) => g.add(bad as number));
          assert.throws(() => wg.add(bad as number), { name: 'TypeError', message: expected.message });
        }
        assert.equal(await count(wg), 1);
        await wg.done();
      });
    });

    describe('wait', () => {
      test('100 waiters in one process all resolve on one done(); PUBSUB SHARDNUMSUB is back to 0', async () => {
        const { create, command } = target();
        const wg = create();
        await wg.add(1);
        const waits = Array.from({ length: 100 }, () => wg.wait());
        assert.equal((await wg.inspect()).waiters, 100);
        await until(async () => (await command(wg.channel, ['PUBSUB', 'SHARDNUMSUB', wg.channel]) as unknown[])[1] === 1);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(await command(wg.channel, ['PUBSUB', 'SHARDNUMSUB', wg.channel]), [wg.channel, 1], 'one subscription for 100 waits');
        assert.equal(await isSettled(Promise.race(waits)), false);
        await wg.done();
        await Promise.all(waits);
        assert.equal((await wg.inspect()).waiters, 0);
        await until(async () => (await command(wg.channel, ['PUBSUB', 'SHARDNUMSUB', wg.channel]) as unknown[])[1] === 0);
      });

      test('a positive add while waiters are pending delays their release until zero', async () => {
        const wg = target().create();
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

      test('each wait() belongs to its round: reuse right after does not hold it back', async () => {
        const wg = target().create();
        await wg.add(1);
        const first = wg.wait();
        await new Promise((resolve) => setTimeout(resolve, 50)); // first is subscribed
        await wg.done(); // round 1 complete
        await wg.add(1); // round 2 starts at once
        const second = wg.wait();
        await first;
        assert.equal(await isSettled(second), false, 'the waiter of round 2 is not released');
        await wg.done();
        await second;
      });
    });

    describe('wait: cancellation', () => {
      test('an abort rejects with signal.reason, unwrapped, and removes the listener; the counter is untouched', async () => {
        const wg = target().create();
        await wg.add(1);
        const controller = new AbortController();
        const waiting = wg.wait({ signal: controller.signal });
        await tick();
        const reason = new Error('stop');
        controller.abort(reason);
        await assert.rejects(waiting, (error) => error === reason);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        assert.equal(await count(wg), 1);
        await wg.done();
      });

      test('an already-aborted signal rejects at once, even at zero', async () => {
        const wg = target().create();
        const reason = new Error('already');
        await assert.rejects(wg.wait({ signal: AbortSignal.abort(reason) }), (error) => error === reason);
      });

      test('a timeout rejects with ERR_WAITGROUP_TIMEOUT naming the counter', async () => {
        const wg = target().create();
        await wg.add(3);
        const waiting = wg.wait({ timeout: 200 });
        await wg.done();
        await assert.rejects(waiting, (error: unknown) => {
          assert.ok(error instanceof WaitGroupError);
          assert.equal(error.code, 'ERR_WAITGROUP_TIMEOUT');
          assert.match(error.message, /counter at 2\b/);
          return true;
        });
        await wg.add(-2);
      });

      test('timeout: 0 rejects at once unless the counter is zero', async () => {
        const wg = target().create();
        await wg.wait({ timeout: 0 });
        await wg.add(1);
        await assert.rejects(wg.wait({ timeout: 0 }), { code: 'ERR_WAITGROUP_TIMEOUT' });
        await wg.done();
      });

      test('abort and timeout leave no subscription, no listener and no timer', async () => {
        const { create, command } = target();
        const wg = create();
        await wg.add(1);
        const timers = activeTimers();
        const controller = new AbortController();
        const aborted = wg.wait({ signal: controller.signal, timeout: 60_000 });
        const timed = wg.wait({ timeout: 300 });
        await new Promise((resolve) => setTimeout(resolve, 100));
        controller.abort();
        await assert.rejects(aborted, { name: 'AbortError' });
        await assert.rejects(timed, { code: 'ERR_WAITGROUP_TIMEOUT' });
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        await until(async () => (await command(wg.channel, ['PUBSUB', 'SHARDNUMSUB', wg.channel]) as unknown[])[1] === 0);
        assert.ok(activeTimers() <= timers, `no timer left (${activeTimers()} > ${timers})`);
        assert.equal((await wg.inspect()).waiters, 0);
        await wg.done();
      });

      test('bad options throw synchronously (as WaitGroup) and register nothing', async () => {
        const wg = target().create();
        await wg.add(1);
        for (const options of [{ timeout: -1 }, { timeout: 2 ** 31 }, { timeout: Number.NaN }, { timeout: '5' }, { signal: {} }, null, 5]) {
          const expected = inThread((g) => (g.add(1), g.wait(options as never)));
          assert.throws(() => wg.wait(options as never), { name: expected.name, message: expected.message });
        }
        assert.equal((await wg.inspect()).waiters, 0);
        await wg.done();
      });
    });

    describe('tasks and go', () => {
      test('task({ label }): one unit now; done() once; a second done() names the label', async () => {
        const wg = target().create();
        const task = await wg.task({ label: 'fetch' });
        assert.equal(await count(wg), 1);
        assert.equal(task.label, 'fetch');
        const [info] = (await wg.inspect()).tasks;
        assert.equal(info?.label, 'fetch');
        assert.equal(info?.id, task.id);
        await task.done();
        assert.equal(await count(wg), 0);
        await assert.rejects(task.done(), { code: 'ERR_WAITGROUP_TASK_ALREADY_DONE', message: /task "fetch" is already done/ });
        assert.equal(await count(wg), 0);
      });

      test('task ids are fencing tokens: they grow with each task', async () => {
        const wg = target().create();
        const a = await wg.task();
        const b = await wg.task();
        assert.ok(b.id > a.id);
        await a.done();
        await b.done();
      });

      test('a plain done() cannot spend a unit held by a task', async () => {
        const wg = target().create();
        const task = await wg.task();
        await assert.rejects(wg.done(), { code: 'ERR_WAITGROUP_NEGATIVE_COUNTER' });
        await task.done();
      });

      test('go() with every kind of outcome: each task is done, each outcome reported', async () => {
        const wg = target().create();
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
          wg.go(() => undefined),
        ]);
        assert.deepEqual(outcomes, [
          { status: 'fulfilled', value: 1 },
          { status: 'fulfilled', value: 2 },
          { status: 'rejected', reason: failure },
          { status: 'rejected', reason: failure },
          { status: 'fulfilled', value: undefined },
        ]);
        assert.equal(await count(wg), 0);
      });

      test('nested go() from inside a task is waited for', async () => {
        const wg = target().create();
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
        await tick();
        await top;
        await wg.wait();
        assert.deepEqual(seen, ['parent', 'child', 'grandchild']);
      });

      test('bad arguments of go() and task() throw synchronously and change nothing', async () => {
        const wg = target().create();
        for (const bad of [42, null, undefined, 'fn', {}]) assert.throws(() => wg.go(bad as never), TypeError);
        assert.throws(() => wg.task({ label: 1 as never }), { name: 'TypeError', message: inThread((g) => g.task(1 as never)).message });
        assert.throws(() => wg.task({ label: 'x'.repeat(1025) }), RangeError);
        assert.throws(() => wg.task({ leaseMs: 5 }), RangeError);
        assert.throws(() => wg.task(null as never), TypeError);
        assert.equal((await wg.inspect()).state, 'new');
      });
    });
  });
}

/** Polls `check` until it holds (10 s at most). */
export async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The number of active timers of this process (Node's resource list). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
