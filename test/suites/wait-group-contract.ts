// The WaitGroupLike contract, run against every synchronous variant: WaitGroup, WaitGroup in
// debug mode (whose add() and done() are copies of its own) and SharedWaitGroup. It runs the
// contract of every front (async-wait-group-contract.ts, which RedisWaitGroup runs too), then
// what only a synchronous front can show: same-tick reuse and release, `using`, a stray done()
// inside a task, and a model-based property test.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { WaitGroupError, type WaitGroupInspection, type WaitGroupLike } from 'waitgroups';
import { isSettled, tick } from '../support/async.ts';
import { asyncWaitGroupContract } from './async-wait-group-contract.ts';
import { disposalContract } from './disposal-contract.ts';

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
  disposalContract(name, create);
  asyncWaitGroupContract(name, () => ({
    create,
    task: (wg, label) => wg.task(label),
    count: (wg) => wg.count,
    waiters: (wg) => wg.waiters,
    check: assertRecordMatchesCount,
  }));
  describe(`${name}: WaitGroupLike contract, synchronously`, () => {
    test("TestWaitGroupGo as Go has it: go() counts its task before it returns; wait() right after waits for it", async () => {
      const wg = create();
      let i = 0;
      void wg.go(() => {
        i++;
      });
      await wg.wait();
      assert.equal(i, 1);
    });

    test('wait() at zero settles within a tick: on a new group, repeatedly, and after add(3); add(-3)', async () => {
      const wg = create();
      for (let i = 0; i < 3; i++) assert.equal(await isSettled(wg.wait()), true);
      wg.add(3);
      wg.add(-3);
      assert.equal(await isSettled(wg.wait()), true);
      assert.equal(wg.waiters, 0);
    });

    test('done() releases the round at once: the waiter count drops to zero in the same tick', async () => {
      const wg = create();
      wg.add(1);
      const waits = Array.from({ length: 10 }, () => wg.wait());
      assert.equal(wg.waiters, 10);
      wg.done();
      assert.equal(wg.waiters, 0, 'the waiter count is reset when the round is released');
      await Promise.all(waits);
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

    test('an abort removes the waiter in the same tick', () => {
      const wg = create();
      wg.add(1);
      const controller = new AbortController();
      const waiting = wg.wait({ signal: controller.signal });
      waiting.catch(() => {});
      assert.equal(wg.waiters, 1);
      controller.abort();
      assert.equal(wg.waiters, 0, 'waiters drops at once');
      wg.done();
    });

    test('an abort in the tick of the release changes nothing', async () => {
      const wg = create();
      wg.add(1);
      const controller = new AbortController();
      const waiting = wg.wait({ signal: controller.signal });
      wg.done();
      controller.abort();
      await waiting;
      assert.equal(wg.waiters, 0);
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

    test('go() with a thenable that never calls back: the task stays pending, and counted', async () => {
      const wg = create();
      const result = wg.go(() => ({ then: () => {} }));
      await tick();
      assert.equal(wg.count, 1);
      assert.equal(await isSettled(result), false);
      wg.done(); // end it by hand, so that nothing stays pending
      assertRecordMatchesCount(wg);
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
