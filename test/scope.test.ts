// Structured concurrency with Group: Group.scope (the nursery form) and `await using group`,
// and WaitGroup.scope. Node here; Deno and Bun run this file too (test/runtimes/run.ts).
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { Group, WaitGroup } from 'waitgroups';
import { tick } from './support/async.ts';
import { activeTimers } from './support/timers.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A task that records its start and end and resolves after `ms`, or when the signal aborts. */
function recorder() {
  const events: string[] = [];
  const task =
    (name: string, ms: number) =>
    (signal: AbortSignal): Promise<void> =>
      new Promise<void>((resolve) => {
        events.push(`start ${name}`);
        const timer = setTimeout(() => {
          events.push(`end ${name}`);
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        const onAbort = () => {
          clearTimeout(timer);
          events.push(`stopped ${name}`);
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
  return { events, task };
}

/** Runs `fn`, then one more macrotask, and asserts that no unhandled rejection was reported. */
async function assertNoUnhandledRejection(fn: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await fn();
    await tick();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

describe('Group.scope', () => {
  test('resolves with the body\'s value once every task, including tasks started by tasks, has finished', async () => {
    const { events, task } = recorder();
    let inner: Group | undefined;
    const value = await Group.scope(async (group) => {
      inner = group;
      group.go(task('a', 10));
      group.go(async (signal) => {
        await sleep(5);
        group.go(task('child', 10));
        await task('b', 1)(signal);
      });
      return 42;
    });
    assert.equal(value, 42);
    assert.deepEqual(events.filter((e) => e.startsWith('end')).sort(), ['end a', 'end b', 'end child']);
    assert.equal(inner!.signal.aborted, true, 'the group\'s signal has aborted: nothing outlives the scope');
  });

  test('a body that is a plain function, returning a value or a promise', async () => {
    assert.equal(await Group.scope(() => 'sync'), 'sync');
    assert.equal(await Group.scope(() => Promise.resolve('promise')), 'promise');
  });

  test('a task that throws: rejects with the first task error, after every started task has settled', async () => {
    const { events, task } = recorder();
    const first = new Error('first');
    let bodyReturned = false;
    await assert.rejects(
      Group.scope(async (group) => {
        group.go(task('slow', 10_000)); // stopped by the abort
        group.go(async () => {
          await sleep(5);
          throw first;
        });
        group.go(async () => {
          await sleep(20);
          throw new Error('second');
        });
        await sleep(1);
        bodyReturned = true;
        return 'ignored';
      }),
      (error) => error === first,
    );
    assert.equal(bodyReturned, true);
    assert.deepEqual(events, ['start slow', 'stopped slow']);
  });

  for (const kind of ['async', 'sync'] as const) {
    test(`a body that throws (${kind}): the signal aborts with its error, started tasks are waited for, queued ones dropped, the body's error rethrown`, async () => {
      const { events, task } = recorder();
      const failure = new Error('body failed');
      let group!: Group;
      let reason: unknown;
      const body = (g: Group): Promise<void> | void => {
        group = g;
        g.go(task('one', 10_000));
        g.go(async (signal) => {
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          reason = signal.reason;
          await sleep(10); // still running after the abort: the scope waits
          events.push('end two');
        });
        g.go(task('queued', 1)); // limit 2: never starts
        if (kind === 'sync') throw failure;
        return sleep(1).then(() => {
          throw failure;
        });
      };
      await assert.rejects(Group.scope(body, { limit: 2 }), (error) => error === failure);
      assert.equal(reason, failure, 'the group\'s signal aborted with the body\'s error');
      assert.equal(group.signal.reason, failure);
      assert.deepEqual(events, ['start one', 'stopped one', 'end two'], 'the queued task never started; the scope waited for "two"');
    });
  }

  test('a body that throws after a task failed: the body\'s error wins, and no unhandled rejection is left', async () => {
    const failure = new Error('body');
    await assertNoUnhandledRejection(() =>
      assert.rejects(
        Group.scope(async (group) => {
          group.go(() => {
            throw new Error('task');
          });
          await tick();
          throw failure;
        }),
        (error) => error === failure,
      ),
    );
  });

  test('a task failing while the body still awaits leaves no unhandled rejection: the scope observes it', async () => {
    const failure = new Error('early');
    await assertNoUnhandledRejection(() =>
      assert.rejects(
        Group.scope(async (group) => {
          group.go(() => {
            throw failure;
          });
          await sleep(20); // the group is idle and failed meanwhile
        }),
        (error) => error === failure,
      ),
    );
  });

  test('the parent signal aborts: running tasks are asked to stop, the scope rejects with its reason, and no listener stays on the parent', async () => {
    const { events, task } = recorder();
    const controller = new AbortController();
    const reason = new Error('cancelled by the caller');
    const scoped = Group.scope(
      async (group) => {
        group.go(task('a', 10_000));
        group.go(task('queued', 1));
        return 'value';
      },
      { signal: controller.signal, limit: 1 },
    );
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1, 'the group listens to its parent while it runs');
    await sleep(5);
    controller.abort(reason);
    await assert.rejects(scoped, (error) => error === reason);
    assert.deepEqual(events, ['start a', 'stopped a']);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('a parent already aborted: tasks start with an aborted signal under the limit, and the scope rejects with the reason', async () => {
    const reason = new Error('too late');
    const seen: boolean[] = [];
    await assert.rejects(
      Group.scope(
        (group) => {
          group.go((signal) => {
            seen.push(signal.aborted);
            return tick();
          });
          group.go((signal) => void seen.push(signal.aborted)); // would queue: dropped
        },
        { signal: AbortSignal.abort(reason), limit: 1 },
      ),
      (error) => error === reason,
    );
    assert.deepEqual(seen, [true]);
  });

  test('the limit: never more tasks at once than the limit, all of them run', async () => {
    let running = 0;
    let most = 0;
    let ran = 0;
    await Group.scope(
      (group) => {
        for (let i = 0; i < 12; i++) {
          group.go(async () => {
            most = Math.max(most, ++running);
            await sleep(2);
            running--;
            ran++;
          });
        }
      },
      { limit: 3 },
    );
    assert.equal(most, 3);
    assert.equal(ran, 12);
  });

  test('nothing outlives the scope: no timer, no listener on the parent, whichever way it ends', async () => {
    const controller = new AbortController();
    const timersBefore = activeTimers();
    await Group.scope((group) => void group.go(() => sleep(1)), { signal: controller.signal });
    await assert.rejects(
      Group.scope(
        (group) => {
          group.go(() => sleep(1));
          throw new Error('body');
        },
        { signal: controller.signal },
      ),
    );
    await assert.rejects(Group.scope((group) => void group.go(() => Promise.reject(new Error('task'))), { signal: controller.signal }));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.equal(activeTimers(), timersBefore);
  });

  test('bad arguments throw synchronously, with Node\'s codes, and run nothing', () => {
    let ran = false;
    const body = () => {
      ran = true;
    };
    assert.throws(() => Group.scope(42 as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => Group.scope(body, { limit: 1.5 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => Group.scope(body, { signal: {} as never }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => WaitGroup.scope(null as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.equal(ran, false);
  });
});

describe('await using group', () => {
  test('the disposal waits for every task and rejects with the first task error, as wait() does', async () => {
    const failure = new Error('task');
    const { events, task } = recorder();
    const caught = await (async () => {
      await using group = new Group();
      group.go(task('slow', 10_000));
      group.go(async () => {
        await sleep(5);
        throw failure;
      });
    })().catch((error: unknown) => error);
    assert.equal(caught, failure);
    assert.deepEqual(events, ['start slow', 'stopped slow']);
  });

  test('the block throws and the tasks succeed: the block\'s error propagates unchanged, after the tasks (not aborted)', async () => {
    const { events, task } = recorder();
    const failure = new Error('block');
    let signal!: AbortSignal;
    const caught = await (async () => {
      await using group = new Group();
      signal = group.signal;
      group.go(task('a', 10));
      throw failure;
    })().catch((error: unknown) => error);
    assert.equal(caught, failure);
    assert.deepEqual(events, ['start a', 'end a'], 'the disposer cannot see the block\'s error: the task ran to its end');
    assert.equal(signal.reason?.name, 'AbortError', 'aborted by the wait settling, not by the block\'s error');
  });

  test('the block throws and a task fails: a SuppressedError, error = the task\'s, suppressed = the block\'s', async () => {
    const blockError = new Error('block');
    const taskError = new Error('task');
    const caught = (await (async () => {
      await using group = new Group();
      group.go(async () => {
        await tick();
        throw taskError;
      });
      throw blockError;
    })().catch((error: unknown) => error)) as { name: string; error: unknown; suppressed: unknown };
    assert.equal(caught.name, 'SuppressedError');
    assert.equal(caught.error, taskError);
    assert.equal(caught.suppressed, blockError);
  });

  test('with a limit and a parent signal that aborts: the queued tasks are dropped and the block rejects with the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const { events, task } = recorder();
    const block = (async () => {
      await using group = new Group({ signal: controller.signal, limit: 1 });
      group.go(task('a', 10_000));
      group.go(task('b', 1));
      setTimeout(() => controller.abort(reason), 5);
    })();
    await assert.rejects(block, (error) => error === reason);
    assert.deepEqual(events, ['start a', 'stopped a']);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});

describe('WaitGroup.scope', () => {
  test('resolves with the body\'s value once the counter is zero', async () => {
    const order: string[] = [];
    const value = await WaitGroup.scope(async (wg) => {
      void wg.go(async () => {
        await sleep(10);
        order.push('task');
      });
      order.push('body');
      return 'value';
    });
    assert.equal(value, 'value');
    assert.deepEqual(order, ['body', 'task']);
  });

  test('a body that throws: waits for the counter, then rethrows the body\'s error', async () => {
    const failure = new Error('body');
    const order: string[] = [];
    await assert.rejects(
      WaitGroup.scope((wg) => {
        wg.add(1);
        setTimeout(() => {
          order.push('done');
          wg.done();
        }, 10);
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.deepEqual(order, ['done']);
  });

  test('a debug scope: the options reach the group', async () => {
    await WaitGroup.scope(
      (wg) => {
        assert.equal(wg.inspect().debug, true);
      },
      { debug: true },
    );
  });
});
