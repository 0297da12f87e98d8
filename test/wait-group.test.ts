import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { WaitGroup } from 'waitgroups';
import { runModule } from './support/child-process.ts';
import { waitGroupContract } from './suites/wait-group-contract.ts';

waitGroupContract('WaitGroup', () => new WaitGroup());

// ---------------------------------------------------------------------------------------
// Model-based property test: random programs run against WaitGroup and against a small
// reference model; after every step the counter, the waiter count, the state of every
// wait() and which calls threw must agree.

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

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('model: random add/done/wait/go/abort programs behave like the reference model', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArbitrary, { maxLength: 40 }), async (ops) => {
      const wg = new WaitGroup();
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

      for (const step of ops) {
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
            track(
              step.kind === 'timeout0'
                ? wg.wait({ timeout: 0 })
                : controller
                  ? wg.wait({ signal: controller.signal })
                  : wg.wait(),
            );
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
            await flush(); // the task's done() runs when its promise settles
            modelAdd(-1);
            break;
          }
        }
        await flush();
        assert.equal(wg.count, count, 'count');
        assert.equal(wg.waiters, roundOf.filter(Boolean).length, 'waiters');
        assert.deepEqual(realWaits, modelWaits, 'the state of every wait()');
      }
      // Finish every held task and release every wait, so that nothing is left pending (the
      // deadlock report at exit would rightly fail this file otherwise).
      for (const task of heldTasks) if (!task.done) task.settle(true);
      await flush();
      if (wg.count > 0) wg.add(-wg.count);
      await flush();
      assert.equal(wg.waiters, 0);
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------------------
// Process-level behaviour, in child processes.

const script = (source: string) => runModule(source);

test('a settled wait({ timeout }) leaves no timer: the process exits at once', async () => {
  // A leaked 10-minute timer would keep the child alive until the runner's timeout.
  const { code, stdout } = await script(`
    import { WaitGroup } from 'waitgroups';
    const wg = new WaitGroup();
    wg.add(1);
    const waiting = wg.wait({ timeout: 600_000, signal: new AbortController().signal });
    wg.done();
    await waiting;
    console.log('released', process.getActiveResourcesInfo().includes('Timeout'));
  `);
  assert.equal(code, 0);
  assert.equal(stdout, 'released false\n');
});

test('ignoring the promise of a failed go() task gives an unhandled rejection', async () => {
  const { code, stderr } = await script(`
    import { WaitGroup } from 'waitgroups';
    const wg = new WaitGroup();
    wg.go(async () => { throw new Error('boom from the task'); });
    await wg.wait();
  `);
  assert.equal(code, 1);
  assert.match(stderr, /boom from the task/);
});

test('a failed go() task whose promise is handled produces no unhandled rejection', async () => {
  const { code, stdout } = await script(`
    import { WaitGroup } from 'waitgroups';
    process.on('unhandledRejection', (reason) => { console.log('unhandled', reason); process.exitCode = 2; });
    const wg = new WaitGroup();
    wg.go(async () => { throw new Error('boom'); }).catch(() => console.log('handled'));
    const controller = new AbortController();
    wg.add(1);
    const aborted = wg.wait({ signal: controller.signal }).catch(() => console.log('abort handled'));
    controller.abort();
    await aborted;
    wg.done();
    await wg.wait();
    await new Promise((resolve) => setTimeout(resolve, 10));
  `);
  assert.equal(code, 0);
  assert.deepEqual(stdout.trim().split('\n').sort(), ['abort handled', 'handled']);
});
