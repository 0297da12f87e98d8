// RedisWaitGroup against a real server, standalone or cluster: the contract of every front
// (test/suites/async-wait-group-contract.ts), then what only Redis has: subscriptions, the
// group's state as inspect() reports it, fencing tokens and the task options.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RedisWaitGroup } from 'waitgroups/redis';
import { isSettled } from '../support/async.ts';
import { asyncWaitGroupContract } from '../suites/async-wait-group-contract.ts';

/** What a contract run needs: a fresh group on its own name, and a raw command on its node. */
export interface RedisTarget {
  create(): RedisWaitGroup;
  /** Sends a command to the node that holds `key` (PUBSUB, INFO...). */
  command(key: string, args: string[]): Promise<unknown>;
}

async function count(wg: RedisWaitGroup): Promise<number> {
  return (await wg.inspect()).count;
}

export function redisContract(name: string, target: () => RedisTarget): void {
  /** The subscriptions of the group's channel on its node: this process's one, or none. */
  const subscribers = async (wg: RedisWaitGroup): Promise<unknown> =>
    ((await target().command(wg.channel, ['PUBSUB', 'SHARDNUMSUB', wg.channel])) as unknown[])[1];

  asyncWaitGroupContract(name, () => ({
    create: target().create,
    task: (wg, label) => wg.task({ label }),
    count,
    waiters: async (wg) => (await wg.inspect()).waiters,
    // A wait subscribes after its first read, which puts it in its round.
    joined: (wg) => until(async () => (await subscribers(wg)) === 1),
    remote: true,
  }));

  describe(`${name}: what only Redis has`, () => {
    test('a new group has no state: wait() and add(0) create nothing, inspect() says new', async () => {
      const wg = target().create();
      await wg.wait();
      await wg.add(0);
      assert.equal((await wg.inspect()).state, 'new');
      await wg.add(1);
      assert.equal((await wg.inspect()).state, 'active');
      await wg.done();
    });

    test("the negative counter's message is Go's, exactly", async () => {
      const wg = target().create();
      await assert.rejects(wg.done(), { message: 'sync: negative WaitGroup counter' });
    });

    test('100 waiters in one process share one subscription; PUBSUB SHARDNUMSUB is back to 0 after', async () => {
      const wg = target().create();
      await wg.add(1);
      const waits = Array.from({ length: 100 }, () => wg.wait());
      await until(async () => (await subscribers(wg)) === 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await subscribers(wg), 1, 'one subscription for 100 waits');
      assert.equal(await isSettled(Promise.race(waits)), false);
      await wg.done();
      await Promise.all(waits);
      await until(async () => (await subscribers(wg)) === 0);
    });

    test('abort and timeout leave no subscription', async () => {
      const wg = target().create();
      await wg.add(1);
      const controller = new AbortController();
      const aborted = assert.rejects(wg.wait({ signal: controller.signal, timeout: 60_000 }), { name: 'AbortError' });
      const timed = assert.rejects(wg.wait({ timeout: 300 }), { code: 'ERR_WAITGROUP_TIMEOUT' });
      await until(async () => (await subscribers(wg)) === 1);
      controller.abort();
      await Promise.all([aborted, timed]);
      await until(async () => (await subscribers(wg)) === 0);
      await wg.done();
    });

    test('inspect() lists a task in flight with its id and label', async () => {
      const wg = target().create();
      const task = await wg.task({ label: 'fetch' });
      const [info] = (await wg.inspect()).tasks;
      assert.equal(info?.label, 'fetch');
      assert.equal(info?.id, task.id);
      await task.done();
      assert.deepEqual((await wg.inspect()).tasks, []);
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
      assert.equal(await count(wg), 1);
      await task.done();
    });

    test("bad task options throw synchronously and change nothing", async () => {
      const wg = target().create();
      assert.throws(() => wg.task({ label: 'x'.repeat(1025) }), RangeError);
      assert.throws(() => wg.task({ leaseMs: 5 }), RangeError);
      assert.throws(() => wg.task(null as never), TypeError);
      assert.throws(() => wg.go(() => undefined, { label: 1 as never }), TypeError);
      assert.equal((await wg.inspect()).state, 'new');
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
