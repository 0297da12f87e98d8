// Group: errgroup's own tests (golang.org/x/sync/errgroup/errgroup_test.go), then its
// semantics: limit, cancellation, dropped tasks, misuse. Random schedules and leaks over a
// million tasks: group-stress.test.ts; the examples: examples.test.ts.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { Group, WaitGroupError } from 'waitgroups';
import { assertRejected, isSettled, outcome, tick } from './support/async.ts';

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

/** The cases of errgroup's TestWithContext and TestCancelCause: the errors of the tasks, and the one wanted. */
function doomCases(): { errs: (Error | null)[]; want: Error | null }[] {
  const errDoom = new Error('group_test: doomed');
  return [
    { errs: [], want: null },
    { errs: [null], want: null },
    { errs: [errDoom], want: errDoom },
    { errs: [errDoom, null], want: errDoom },
  ];
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
    const cases = doomCases();
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
    const cases = doomCases();
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
    // The order of failure is made by a gate, not by timers, which a loaded machine may fire together.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    g.go(async () => {
      await gate;
      await tick(); // resumes first, fails a macrotask later
      throw late;
    });
    g.go(async () => {
      await gate;
      throw early;
    });
    open();
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
