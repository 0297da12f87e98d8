// Group: errgroup's own tests (golang.org/x/sync/errgroup/errgroup_test.go), then the
// semantics: limit, cancellation, dropped tasks, misuse, no leaks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { Group, WaitGroupError } from 'waitgroups';
import { isSettled, tick } from './helpers.ts';

const run = promisify(execFile);
const root = new URL('..', import.meta.url);

type Outcome = { status: 'fulfilled' } | { status: 'rejected'; reason: unknown };

/** The outcome of `promise`, whatever it is, as a value. */
async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return { status: 'fulfilled' };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

/** Asserts that `got` is a rejection with exactly `reason` (the same object). */
function assertRejected(got: Outcome, reason: unknown, message?: string): void {
  assert.equal(got.status, 'rejected', message);
  assert.equal((got as { reason: unknown }).reason, reason, message);
}

/** A promise and the function that resolves it: a Go channel of capacity 0, roughly. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves after `ms` milliseconds, or rejects with `signal.reason` when it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isAbortError(value: unknown): boolean {
  return value instanceof DOMException && value.name === 'AbortError';
}

/** Runs `code` as an ES module in a child `node`, from the package root (so 'waitgroups' resolves). */
async function child(code: string, flags: string[] = []): Promise<string> {
  const { stdout } = await run(process.execPath, [...flags, '--input-type=module', '-e', code], {
    cwd: root,
    timeout: 60_000,
  });
  return stdout;
}

/** Runs an example file as `npm start` does and returns what it printed. */
async function example(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: root, timeout: 60_000 });
  return stdout;
}

describe("errgroup's tests", () => {
  test('TestZeroGroup: no error, one error, several errors: the first wins and stays', async () => {
    const err1 = new Error('errgroup_test: 1');
    const err2 = new Error('errgroup_test: 2');
    const cases: (Error | null)[][] = [[], [null], [err1], [err1, null], [err1, null, err2]];
    for (const errs of cases) {
      const g = new Group();
      let firstErr: Error | null = null;
      for (const [i, err] of errs.entries()) {
        g.go(async () => {
          if (err !== null) throw err;
        });
        if (firstErr === null && err !== null) firstErr = err;
        const got = await outcome(g.wait());
        const label = `after go() for errs ${JSON.stringify(errs.slice(0, i + 1).map(String))}`;
        if (firstErr === null) assert.deepEqual(got, { status: 'fulfilled' }, label);
        else assert.deepEqual(got, { status: 'rejected', reason: firstErr }, label);
        if (got.status === 'rejected') assert.equal(got.reason, firstErr, `${label}: the very error thrown`);
      }
    }
  });

  test('TestWithContext: the signal aborts after wait() even without error, with the error when one fails', async () => {
    const errDoom = new Error('group_test: doomed');
    const cases: { errs: (Error | null)[]; want: Error | null }[] = [
      { errs: [], want: null },
      { errs: [null], want: null },
      { errs: [errDoom], want: errDoom },
      { errs: [errDoom, null], want: errDoom },
    ];
    for (const { errs, want } of cases) {
      const parent = new AbortController();
      const g = new Group({ signal: parent.signal });
      for (const err of errs) {
        g.go(async () => {
          await null;
          if (err !== null) throw err;
        });
      }
      assert.equal(g.signal.aborted, false, 'no task has failed yet');
      const got = await outcome(g.wait());
      if (want === null) assert.deepEqual(got, { status: 'fulfilled' });
      else assertRejected(got, want, `wait() rejects with ${want}`);
      assert.equal(g.signal.aborted, true, 'the signal is aborted once wait() has settled');
      assert.equal(parent.signal.aborted, false, 'the parent is never aborted by the group');
    }
  });

  test('TestTryGo: limit 42: 42 start, the 43rd is refused; works again after wait(); setLimit(1); setLimit(0)', async () => {
    const g = new Group();
    const n = 42;
    g.setLimit(42);
    let ch = gate();
    let calls = 0;
    const fn = async (): Promise<void> => {
      calls++;
      await ch.promise;
    };
    for (let i = 0; i < n; i++) assert.equal(g.tryGo(fn), true, `tryGo should succeed at call #${i}`);
    assert.equal(g.tryGo(fn), false, 'tryGo is expected to fail at the limit');
    assert.equal(calls, n, 'the refused task was not called');
    ch.open();
    await g.wait();

    ch = gate();
    assert.equal(g.tryGo(fn), true, 'tryGo should succeed again after every task finished');
    ch.open();
    await g.wait();

    g.setLimit(1);
    ch = gate();
    assert.equal(g.tryGo(fn), true, 'tryGo should succeed under the new limit');
    assert.equal(g.tryGo(fn), false, 'tryGo should fail at the new limit');
    ch.open();
    await g.wait();

    g.setLimit(0);
    for (let i = 0; i < 1 << 10; i++) assert.equal(g.tryGo(fn), false, 'a limit of 0 refuses every task');
    assert.equal(await isSettled(g.wait()), true, 'nothing was started or queued, so wait() settles');
    assert.equal(calls, n + 2);
  });

  test('TestGoLimit: 1,025 tasks under a limit of 10: never more than 10 active, as the tasks see it', async () => {
    const limit = 10;
    const g = new Group();
    g.setLimit(limit);
    let active = 0;
    let most = 0;
    let ran = 0;
    for (let i = 0; i <= 1 << 10; i++) {
      g.go(async () => {
        const n = ++active;
        most = Math.max(most, n);
        if (n > limit) throw new Error(`saw ${n} active tasks; want ≤ ${limit}`);
        // Give other tasks a chance to start: some yield a microtask, some a macrotask.
        if (i % 3 === 0) await tick();
        else for (let k = 0; k < i % 5; k++) await null;
        active--;
        ran++;
      });
    }
    await g.wait();
    assert.equal(ran, 1025);
    assert.equal(most, limit, 'the limit was reached, so the check above had a chance to fail');
  });

  test("TestCancelCause: the signal's reason is the first error, or an AbortError when none", async () => {
    const errDoom = new Error('group_test: doomed');
    const cases: { errs: (Error | null)[]; want: Error | null }[] = [
      { errs: [], want: null },
      { errs: [null], want: null },
      { errs: [errDoom], want: errDoom },
      { errs: [errDoom, null], want: errDoom },
    ];
    for (const { errs, want } of cases) {
      const g = new Group();
      for (const err of errs) {
        g.tryGo(async () => {
          if (err !== null) throw err;
        });
      }
      const got = await outcome(g.wait());
      if (want === null) {
        assert.deepEqual(got, { status: 'fulfilled' });
        assert.ok(isAbortError(g.signal.reason), `reason is an AbortError, got ${g.signal.reason}`);
      } else {
        assertRejected(got, want);
        assert.equal(g.signal.reason, want);
      }
    }
  });
});

describe('tasks', () => {
  test('fn is called synchronously with the group signal; a synchronous throw is a failure, not a throw from go()', async () => {
    const g = new Group();
    const boom = new Error('boom');
    let received: AbortSignal | undefined;
    g.go((signal) => {
      received = signal;
      throw boom;
    });
    assert.equal(received, g.signal);
    assert.equal(g.signal.aborted, true, 'the failure aborts the signal at once');
    assert.equal(g.signal.reason, boom);
    const got = await outcome(g.wait());
    assertRejected(got, boom);
  });

  test('a non-promise return ends the task at once, freeing its slot', async () => {
    const g = new Group({ limit: 1 });
    const values: unknown[] = [42, 'x', null, undefined, { then: 1 }, [1]];
    let calls = 0;
    for (const value of values) {
      assert.equal(
        g.tryGo(() => {
          calls++;
          return value;
        }),
        true,
        `the slot is free again after a task returned ${String(value)}`,
      );
    }
    assert.equal(calls, values.length);
    assert.equal(await isSettled(g.wait()), true);
  });

  test('thenables are adopted: their fulfilment ends the task, their rejection fails it', async () => {
    const g = new Group();
    const bad = new Error('thenable rejected');
    let fulfil: ((value: unknown) => void) | undefined;
    g.go(() => ({
      then(resolve: (value: unknown) => void) {
        fulfil = resolve;
      },
    }));
    const waiting = g.wait();
    assert.equal(await isSettled(waiting), false, 'the task lasts as long as its thenable');
    assert.ok(fulfil, 'the group called then()');
    fulfil(1);
    await waiting;

    const h = new Group();
    h.go(() => ({ then: (_: unknown, reject: (reason: unknown) => void) => reject(bad) }));
    const got = await outcome(h.wait());
    assertRejected(got, bad);
  });

  test('a thenable whose `then` getter throws fails the task with that error', async () => {
    const g = new Group();
    const bad = new Error('getter');
    g.go(() => ({
      get then(): never {
        throw bad;
      },
    }));
    const got = await outcome(g.wait());
    assertRejected(got, bad);
  });

  test('the first error is the first by time of failure, not by start order; later errors do not replace it', async () => {
    const g = new Group();
    const late = new Error('started first, fails last');
    const early = new Error('started second, fails first');
    g.go(async () => {
      await sleep(20);
      throw late;
    });
    g.go(async () => {
      await sleep(1);
      throw early;
    });
    const got = await outcome(g.wait());
    assertRejected(got, early);
    assert.equal(g.signal.reason, early);
  });

  test('wait() does not settle at the first failure: it waits for the tasks still running', async () => {
    const g = new Group();
    let slowFinished = false;
    g.go(async () => {
      await sleep(15); // ignores the signal on purpose
      slowFinished = true;
    });
    g.go(async () => {
      throw new Error('fast failure');
    });
    await outcome(g.wait());
    assert.equal(slowFinished, true);
  });

  test('a task that throws undefined makes wait() reject with undefined; the signal reason is an AbortError', async () => {
    const g = new Group();
    g.go(async () => {
      throw undefined;
    });
    const got = await outcome(g.wait());
    assert.deepEqual(got, { status: 'rejected', reason: undefined });
    assert.ok(isAbortError(g.signal.reason), `the reason is an AbortError, got ${String(g.signal.reason)}`);
  });

  test('wait() may be called several times by several callers: each gets the same outcome', async () => {
    const g = new Group();
    const boom = new Error('boom');
    g.go(async () => {
      await tick();
      throw boom;
    });
    const outcomes = await Promise.all([outcome(g.wait()), outcome(g.wait()), outcome(g.wait())]);
    for (const got of outcomes) assertRejected(got, boom);
    const again = await outcome(g.wait());
    assertRejected(again, boom, 'the outcome is sticky');
  });

  test('a wait() covers the tasks started while it is pending', async () => {
    const g = new Group();
    let done = 0;
    g.go(async () => {
      await tick();
      g.go(async () => {
        await tick();
        done++;
      });
      done++;
    });
    await g.wait();
    assert.equal(done, 2);
  });
});

describe('limit', () => {
  test('go() at the limit queues in order; queued tasks start as slots free up', async () => {
    const g = new Group({ limit: 2 });
    const started: number[] = [];
    const gates = Array.from({ length: 6 }, () => gate());
    for (const [i, { promise }] of gates.entries()) {
      g.go(async () => {
        started.push(i);
        await promise;
      });
    }
    assert.deepEqual(started, [0, 1], 'two run, four wait');
    gates[1]!.open();
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    gates[0]!.open();
    gates[3]!.open();
    await tick();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    for (const { open } of gates) open();
    await g.wait();
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
  });

  test('tryGo() at the limit returns false, calls nothing and queues nothing', async () => {
    const g = new Group({ limit: 1 });
    const block = gate();
    g.go(() => block.promise);
    let called = false;
    assert.equal(
      g.tryGo(() => {
        called = true;
      }),
      false,
    );
    block.open();
    await g.wait();
    assert.equal(called, false, 'the refused task never runs');
  });

  test('nested go() from inside tasks under a limit of 1 does not deadlock', async () => {
    const g = new Group({ limit: 1 });
    const order: string[] = [];
    let active = 0;
    let most = 0;
    function node(path: string, depth: number): void {
      g.go(async () => {
        most = Math.max(most, ++active);
        order.push(path);
        await tick();
        if (depth < 3) for (const i of [0, 1]) node(`${path}/${i}`, depth + 1);
        active--;
      });
    }
    node('', 0);
    await g.wait();
    assert.equal(order.length, 15, 'the whole tree of 1 + 2 + 4 + 8 tasks ran');
    assert.equal(most, 1);
    assert.deepEqual(order.slice(0, 3), ['', '/0', '/1'], 'breadth-first: children queue behind siblings');
  });

  test('tasks that end synchronously let many queued tasks run without deep recursion', async () => {
    const g = new Group({ limit: 1 });
    const block = gate();
    g.go(() => block.promise);
    let ran = 0;
    for (let i = 0; i < 100_000; i++) g.go(() => void ran++);
    block.open();
    await g.wait();
    assert.equal(ran, 100_000);
  });

  test('setLimit: negative and Infinity mean no limit; non-integers are TypeErrors and change nothing', async () => {
    const g = new Group({ limit: 1 });
    for (const bad of ['3', 1.5, NaN, null, undefined, 2n, {}]) {
      assert.throws(() => g.setLimit(bad as number), TypeError, `setLimit(${String(bad)})`);
    }
    const block = gate();
    assert.equal(g.tryGo(() => block.promise), true);
    assert.equal(g.tryGo(() => {}), false, 'the limit is still 1');
    block.open();
    await g.wait();
    for (const none of [-1, -100, Infinity, -Infinity]) {
      const h = new Group({ limit: 1 });
      h.setLimit(none);
      const hold = gate();
      for (let i = 0; i < 100; i++) assert.equal(h.tryGo(() => hold.promise), true, `setLimit(${none}), task ${i}`);
      hold.open();
      await h.wait();
    }
    const options = new Group({ limit: -1 });
    for (let i = 0; i < 100; i++) assert.equal(options.tryGo(() => {}), true);
  });

  test("setLimit while tasks run throws ERR_GROUP_LIMIT_WHILE_ACTIVE with errgroup's message, and keeps the limit", async () => {
    const g = new Group({ limit: 4 });
    const block = gate();
    for (let i = 0; i < 3; i++) g.go(() => block.promise);
    for (const n of [1, 4, -1, Infinity]) {
      assert.throws(
        () => g.setLimit(n),
        (error: unknown) =>
          error instanceof WaitGroupError &&
          error.code === 'ERR_GROUP_LIMIT_WHILE_ACTIVE' &&
          error.message === 'errgroup: modify limit while 3 goroutines in the group are still active',
        `setLimit(${n})`,
      );
    }
    assert.equal(g.tryGo(() => block.promise), true, 'the fourth slot is still there');
    assert.equal(g.tryGo(() => {}), false, 'and there is no fifth');
    block.open();
    await g.wait();
    g.setLimit(1); // fine once nothing runs
  });

  test('go() with a limit of 0 throws ERR_GROUP_LIMIT_ZERO instead of hanging, and changes nothing', async () => {
    const set = new Group();
    set.setLimit(0);
    for (const g of [new Group({ limit: 0 }), set]) {
      let called = false;
      assert.throws(
        () =>
          g.go(() => {
            called = true;
          }),
        (error: unknown) =>
          error instanceof WaitGroupError &&
          error.code === 'ERR_GROUP_LIMIT_ZERO' &&
          /limit of 0/.test(error.message),
      );
      assert.equal(called, false);
      assert.equal(await isSettled(g.wait()), true, 'nothing was queued, so wait() does not hang');
      assert.equal(g.tryGo(() => {}), false);
    }
  });
});

describe('cancellation', () => {
  test('a parent abort while tasks run aborts the group signal with the parent reason', async () => {
    const parent = new AbortController();
    const g = new Group({ signal: parent.signal });
    const reason = new Error('user cancelled');
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      g.go(async (signal) => {
        try {
          await sleep(10_000, signal);
        } catch (error) {
          seen.push(error);
          throw error;
        }
      });
    }
    await tick();
    parent.abort(reason);
    assert.equal(g.signal.aborted, true);
    assert.equal(g.signal.reason, reason);
    const got = await outcome(g.wait());
    assertRejected(got, reason);
    assert.deepEqual(seen, [reason, reason, reason]);
  });

  test('a parent abort while tasks are queued drops them; wait() rejects even though no started task failed', async () => {
    const parent = new AbortController();
    const g = new Group({ signal: parent.signal, limit: 1 });
    const block = gate();
    const started: number[] = [];
    for (let i = 0; i < 4; i++) {
      g.go(async () => {
        started.push(i);
        await block.promise; // ignores the signal and succeeds
      });
    }
    const reason = new Error('shutdown');
    parent.abort(reason);
    block.open();
    const got = await outcome(g.wait());
    assert.deepEqual(started, [0], 'queued tasks never started');
    assertRejected(got, reason, 'dropped tasks are reported');
  });

  test('a failure drops the queued tasks; wait() rejects with the failure', async () => {
    const g = new Group({ limit: 2 });
    const boom = new Error('boom');
    const started: number[] = [];
    for (let i = 0; i < 6; i++) {
      g.go(async () => {
        started.push(i);
        await tick();
        if (i === 0) throw boom;
      });
    }
    const got = await outcome(g.wait());
    assert.deepEqual(started, [0, 1]);
    assertRejected(got, boom);
  });

  test('a parent already aborted: the group signal is aborted at once with its reason; queueing tasks are dropped', async () => {
    const reason = new Error('too late');
    const g = new Group({ signal: AbortSignal.abort(reason), limit: 1 });
    assert.equal(g.signal.aborted, true);
    assert.equal(g.signal.reason, reason);
    let calls = 0;
    const block = gate();
    g.go(async (signal) => {
      calls++;
      assert.equal(signal.aborted, true, 'a task that finds a free slot runs with the aborted signal');
      await block.promise;
    });
    g.go(() => void calls++);
    block.open();
    const got = await outcome(g.wait());
    assert.equal(calls, 1, 'the task that would have queued was dropped');
    assertRejected(got, reason);
  });

  test('no abort listener is left on the parent after wait(), whatever the outcome', async () => {
    const parent = new AbortController();
    const listeners = (): number => getEventListeners(parent.signal, 'abort').length;
    const g = new Group({ signal: parent.signal });
    g.go(() => tick());
    assert.equal(listeners(), 1, 'the group listens while it works');
    await g.wait();
    assert.equal(listeners(), 0, 'after a successful wait()');

    const h = new Group({ signal: parent.signal });
    h.go(async () => {
      throw new Error('boom');
    });
    assert.equal(listeners(), 1);
    await outcome(h.wait());
    assert.equal(listeners(), 0, 'after a failed wait()');

    for (let i = 0; i < 100; i++) {
      const k = new Group({ signal: parent.signal, limit: 2 });
      for (let j = 0; j < 5; j++) k.go(() => (j === 3 ? Promise.reject(new Error('x')) : tick()));
      await outcome(k.wait());
    }
    assert.equal(listeners(), 0, 'after 100 groups on one parent');

    const other = new AbortController();
    const m = new Group({ signal: other.signal });
    m.go(() => sleep(10_000, m.signal).catch(() => {}));
    other.abort();
    assert.equal(getEventListeners(other.signal, 'abort').length, 0, 'the parent abort itself detaches');
    await m.wait().catch(() => {});
  });
});

describe('after wait() and after an abort', () => {
  test('go() and tryGo() after wait() settled start tasks with the aborted signal', async () => {
    const g = new Group();
    await g.wait();
    assert.equal(g.signal.aborted, true);
    const seen: boolean[] = [];
    g.go((signal) => void seen.push(signal.aborted));
    assert.equal(
      g.tryGo((signal) => void seen.push(signal.aborted)),
      true,
    );
    assert.deepEqual(seen, [true, true]);
    await g.wait();
  });

  test('after the signal aborted, a task that would have to queue is dropped at once and wait() rejects', async () => {
    const g = new Group({ limit: 1 });
    await g.wait(); // the signal is now aborted (AbortError)
    const block = gate();
    let queuedRan = false;
    g.go(() => block.promise);
    g.go(() => {
      queuedRan = true;
    });
    block.open();
    const got = await outcome(g.wait());
    assert.equal(queuedRan, false);
    assertRejected(got, g.signal.reason);
    assert.ok(isAbortError(g.signal.reason), 'the reason of a signal aborted by wait() is an AbortError');
  });

  test('tasks started after a failure run; the first error stays', async () => {
    const g = new Group();
    const first = new Error('first');
    g.go(() => {
      throw first;
    });
    let ran = false;
    g.go(() => {
      ran = true;
      throw new Error('second');
    });
    assert.equal(ran, true);
    const got = await outcome(g.wait());
    assertRejected(got, first);
  });
});

describe('bad input', () => {
  test('go(42), tryGo(null) and friends throw TypeError and change nothing', async () => {
    const g = new Group({ limit: 1 });
    for (const bad of [42, null, undefined, 'fn', {}, Promise.resolve()]) {
      assert.throws(() => g.go(bad as never), TypeError);
      assert.throws(() => g.tryGo(bad as never), TypeError);
    }
    assert.throws(() => g.go(42 as never), { name: 'TypeError', message: /"fn" argument must be a function\. Received type number \(42\)/ });
    assert.equal(g.signal.aborted, false);
    assert.equal(await isSettled(g.wait()), true, 'nothing was counted');
  });

  test('new Group() with bad options throws TypeError', () => {
    for (const bad of [{ limit: 'x' }, { limit: 1.5 }, { limit: NaN }, { signal: {} }, { signal: 'x' }, 5, null, 'x']) {
      assert.throws(() => new Group(bad as never), TypeError, JSON.stringify(bad));
    }
    assert.throws(() => new Group({ limit: 'x' } as never), { message: /"options\.limit" property must be an integer/ });
    assert.throws(() => new Group({ signal: {} } as never), { message: /"options\.signal" property must be an AbortSignal/ });
    new Group({});
    new Group({ signal: undefined, limit: undefined } as never);
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
    const { limited, unlimited } = JSON.parse(await child(code, ['--expose-gc'])) as Record<
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
    assert.equal(await child(code, ['--unhandled-rejections=strict']), 'done\n');
  });
});

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

describe('examples', () => {
  test('examples/group.ts: 10 downloads, limit 3, one failure cancels the rest', async () => {
    assert.equal(
      await example('examples/group.ts'),
      [
        'file-01: started',
        'file-02: started',
        'file-03: started',
        'file-01: done',
        'file-04: started',
        'file-02: done',
        'file-05: started',
        'file-04: done',
        'file-06: started',
        'file-05: failed',
        'file-03: cancelled (file-05: connection reset)',
        'file-06: cancelled (file-05: connection reset)',
        'wait() rejected with the first error: file-05: connection reset',
        'ran to completion: file-01, file-02, file-04',
        'cancelled while running: file-03, file-06',
        'never started: file-07, file-08, file-09, file-10',
        "the group's signal was aborted with that error as its reason: true",
        '',
      ].join('\n'),
    );
  });

  test('README: first error', async () => {
    assert.equal(
      await example('examples/group-readme-first-error.ts'),
      'task 1 done\ntask 3 done\nwait() rejected: task 2 failed\n',
    );
  });

  test('README: limit', async () => {
    assert.equal(
      await example('examples/group-readme-limit.ts'),
      [
        'task 1 started, 1 running',
        'task 2 started, 2 running',
        'tryGo at the limit: false',
        'task 3 started, 2 running',
        'task 4 started, 2 running',
        'task 5 started, 2 running',
        'all done',
        '',
      ].join('\n'),
    );
  });

  test('README: cancellation', async () => {
    assert.equal(
      await example('examples/group-readme-cancel.ts'),
      'slow task stopped early: disk full\nwait() rejected: disk full\nsignal aborted: true\n',
    );
  });
});
