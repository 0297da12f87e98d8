// `await using` on every WaitGroupLike variant (WaitGroup, WaitGroup in debug mode,
// SharedWaitGroup): `[Symbol.asyncDispose]()` is Go's `defer wg.Wait()`. Run from the contract
// suite (wait-group-contract.ts), so on Node, Deno and Bun. The `await using` syntax goes through
// the downlevel path where the runtime lacks it (tsx/esbuild on Node 20 and 22).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WaitGroupLike } from 'waitgroups';
import { tick } from '../support/async.ts';

type Disposable = WaitGroupLike & { [Symbol.asyncDispose](): Promise<void> };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function disposalContract(name: string, create: () => WaitGroupLike): void {
  describe(`${name}: await using`, () => {
    test('[Symbol.asyncDispose]() is a wait(): pending while the counter is above zero, resolved at zero', async () => {
      const wg = create() as Disposable;
      assert.equal(typeof wg[Symbol.asyncDispose], 'function');
      await wg[Symbol.asyncDispose](); // counter zero: at once
      wg.add(1);
      let settled = false;
      const disposal = wg[Symbol.asyncDispose]().then(() => (settled = true));
      await tick();
      assert.equal(settled, false, 'pending while a unit is outstanding');
      assert.equal(wg.waiters, 1, 'it is a waiter of the round');
      wg.done();
      await disposal;
      assert.equal(wg.waiters, 0);
    });

    test('the block ends only once every task it started is done', async () => {
      const finished: number[] = [];
      const wg = create();
      {
        await using scoped = wg as Disposable;
        for (const n of [3, 1, 2]) {
          void scoped.go(async () => {
            await sleep(n * 5);
            finished.push(n);
          });
        }
      }
      assert.deepEqual([...finished].sort(), [1, 2, 3], 'every task had finished when the block ended');
      assert.equal(wg.count, 0);
    });

    test('a block that throws: the disposal still waits, then the block\'s error propagates unchanged', async () => {
      const wg = create();
      const failure = new Error('body failed');
      let doneAt = -1;
      const caught = await (async () => {
        await using scoped = wg as Disposable;
        scoped.add(1);
        setTimeout(() => {
          doneAt = wg.count;
          scoped.done();
        }, 10);
        throw failure;
      })().catch((error: unknown) => error);
      assert.equal(caught, failure, 'the body\'s own error, not a SuppressedError: the disposal succeeded');
      assert.equal(doneAt, 1, 'the block ended after the done()');
      assert.equal(wg.count, 0);
    });

    test('a task that throws: its go() promise rejects; the disposal waits for it and resolves', async () => {
      const wg = create();
      const failure = new Error('task failed');
      let taskPromise!: Promise<unknown>;
      await (async () => {
        await using scoped = wg as Disposable;
        taskPromise = scoped.go(async () => {
          await tick();
          throw failure;
        });
        taskPromise.catch(() => {}); // the task's error belongs to its promise, as go() documents
      })();
      await assert.rejects(taskPromise, failure);
      assert.equal(wg.count, 0);
    });

    test('the disposal leaves no timer and no waiter behind', async () => {
      const wg = create();
      const timersBefore = activeTimers();
      await (async () => {
        await using scoped = wg as Disposable;
        using task = scoped.task('held');
        void task;
      })();
      assert.equal(wg.count, 0, 'the TaskHandle was disposed of first (last declared, first disposed)');
      assert.equal(wg.waiters, 0);
      assert.equal(activeTimers(), timersBefore);
    });
  });
}

/** The number of active timers of this process (Node's resource list). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
