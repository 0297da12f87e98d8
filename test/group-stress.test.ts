// Group under random schedules (fast-check: outcomes, timing, nesting, limits, a parent abort)
// and over a million tasks in a child process: the heap stays flat, no unhandled rejection.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Group } from 'waitgroups';
import { assertRejected, outcome } from './support/async.ts';
import { runModule, stdoutOf } from './support/child-process.ts';

describe('property', () => {
  interface Spec {
    /** Macrotasks to wait before the outcome. */
    ticks: number;
    /** Microtasks to wait after them. */
    micro: number;
    outcome: 'ok' | 'value' | 'throw' | 'throw-early';
    /** Rejects with signal.reason as soon as the signal aborts. */
    watches: boolean;
    /** Starts the next task (by index) from inside this one, instead of from the test. */
    spawnsNext: boolean;
  }

  const spec: fc.Arbitrary<Spec> = fc.record({
    ticks: fc.nat(3),
    micro: fc.nat(3),
    outcome: fc.constantFrom('ok', 'ok', 'value', 'throw', 'throw-early'),
    watches: fc.boolean(),
    spawnsNext: fc.boolean(),
  });

  test('wait() rejects iff some task failed or was dropped, with the first failure; never more than the limit run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(spec, { maxLength: 10 }),
        fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 4 })),
        fc.option(fc.nat(4), { nil: undefined }),
        async (specs, limit, abortAfterTicks) => {
          const parent = new AbortController();
          const group = new Group({ signal: parent.signal, limit });
          const failures: unknown[] = []; // in the order the tasks failed
          const submitted = new Set<number>();
          const started = new Set<number>();
          let settled = 0;
          let active = 0;
          let most = 0;

          const submit = (i: number): void => {
            submitted.add(i);
            group.go((signal) => task(i, signal));
          };
          const task = (i: number, signal: AbortSignal): unknown => {
            const s = specs[i]!;
            started.add(i);
            most = Math.max(most, ++active);
            if (s.spawnsNext && i + 1 < specs.length) submit(i + 1);
            const finish = (): void => {
              active--;
              settled++;
            };
            if (s.outcome === 'value') {
              finish();
              return i;
            }
            return (async () => {
              try {
                if (s.outcome === 'throw-early') {
                  const error = new Error(`task ${i} (early)`);
                  failures.push(error);
                  throw error;
                }
                try {
                  await new Promise<void>((resolve, reject) => {
                    let left = s.ticks;
                    let pending = true;
                    const onAbort = (): void => {
                      if (!pending) return;
                      pending = false;
                      reject(signal.reason);
                    };
                    const step = (): void => {
                      if (!pending) return;
                      if (left-- > 0) {
                        setTimeout(step, 0);
                        return;
                      }
                      pending = false;
                      signal.removeEventListener('abort', onAbort);
                      resolve();
                    };
                    if (s.watches) {
                      if (signal.aborted) onAbort();
                      else signal.addEventListener('abort', onAbort, { once: true });
                    }
                    step();
                  });
                } catch (reason) {
                  // Logged as this task's own promise rejects, like the other failures, so the
                  // order of this log is the order in which the group learns of failures.
                  failures.push(reason);
                  throw reason;
                }
                for (let k = 0; k < s.micro; k++) await null;
                if (s.outcome === 'throw') {
                  const error = new Error(`task ${i}`);
                  failures.push(error);
                  throw error;
                }
              } finally {
                finish();
              }
            })();
          };

          for (let i = 0; i < specs.length; i++) if (i === 0 || !specs[i - 1]!.spawnsNext) submit(i);
          if (abortAfterTicks !== undefined) {
            let left = abortAfterTicks;
            const step = (): void => {
              if (left-- > 0) setTimeout(step, 0);
              else parent.abort(new Error('parent aborted'));
            };
            step();
          }

          const got = await outcome(group.wait());
          const dropped = [...submitted].some((i) => !started.has(i));
          assert.equal(settled, started.size, 'every started task has settled when wait() settles');
          if (limit > 0) assert.ok(most <= limit, `saw ${most} running, limit ${limit}`);
          if (failures.length > 0) {
            assertRejected(got, failures[0], 'rejects with the first failure');
          } else if (dropped) {
            assertRejected(got, group.signal.reason, 'rejects with the reason');
          } else {
            assert.deepEqual(got, { status: 'fulfilled' });
          }
          assert.equal(group.signal.aborted, true);
          assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('no leaks, no unhandled rejections', () => {
  test('heap stays flat over 1,000,000 sequential tasks through one group (finished tasks are not retained)', async () => {
    // In a child process with --expose-gc; the queue stays about 100 long the whole time, so
    // a queue that kept its consumed slots would grow by ~8 MB here.
    const code = `
      import { Group } from 'waitgroups';
      const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);
      async function run(limit, inFlight, total) {
        const group = new Group({ limit });
        let submitted = 0, finished = 0;
        const samples = [];
        async function task() {
          await null;
          finished++;
          if (finished === total / 10 || finished === total - inFlight) samples.push(heap());
          if (submitted < total) { submitted++; group.go(task); }
        }
        for (let i = 0; i < inFlight; i++) { submitted++; group.go(task); }
        await group.wait();
        return { finished, growth: samples[1] - samples[0] };
      }
      console.log(JSON.stringify({ limited: await run(8, 100, 1e6), unlimited: await run(-1, 1, 1e6) }));
    `;
    const { limited, unlimited } = JSON.parse(await stdoutOf(runModule(code, ['--expose-gc']))) as Record<
      'limited' | 'unlimited',
      { finished: number; growth: number }
    >;
    for (const [name, { finished, growth }] of Object.entries({ limited, unlimited })) {
      assert.equal(finished, 1e6, name);
      assert.ok(growth < 2 * 1024 * 1024, `${name}: heap grew by ${growth} bytes over 900,000 tasks`);
    }
  });

  test('the group never produces an unhandled rejection, whatever its tasks do', async () => {
    const code = `
      import { Group } from 'waitgroups';
      process.on('unhandledRejection', (reason) => { console.log('UNHANDLED', String(reason)); process.exitCode = 1; });
      const fail = (i) => new Error('task ' + i);
      const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      // Never waited for: sync throws, async rejections, rejected thenables, failures after an abort.
      const a = new Group();
      a.go(() => { throw fail(1); });
      a.go(async () => { throw fail(2); });
      a.go(() => Promise.reject(fail(3)));
      a.go(() => ({ then: (_, reject) => reject(fail(4)) }));
      a.go(async (signal) => { await sleep(5); signal.throwIfAborted(); });
      // A limit with dropped tasks, never waited for.
      const b = new Group({ limit: 1 });
      for (let i = 0; i < 5; i++) b.go(async () => { await sleep(1); throw fail(10 + i); });
      // A parent abort, waited for and caught; then more failures after wait() settled.
      const parent = new AbortController();
      const c = new Group({ signal: parent.signal, limit: 2 });
      for (let i = 0; i < 5; i++) c.go((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
      parent.abort(fail(20));
      await c.wait().catch(() => {});
      c.go(async () => { throw fail(21); });
      await sleep(30);
      console.log('done');
    `;
    assert.equal(await stdoutOf(runModule(code, ['--unhandled-rejections=strict'])), 'done\n');
  });
});
