// SharedWaitGroup: the WaitGroupLike contract in one thread, then Go's tests across real worker
// threads, misuse made deterministic by writing the documented state into shared memory, a
// time-bounded stress test, and the event-loop keep-alive in a child process.
// Worker fixtures are .mjs files in ./fixtures that import the built package (npm run build).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SharedWaitGroup, WaitGroupError, type WaitGroupErrorCode } from 'waitgroups';
import { isSettled } from './helpers.ts';
import { waitGroupContract } from './suites/wait-group-contract.ts';

waitGroupContract('SharedWaitGroup', () => new SharedWaitGroup());

// ---- helpers ------------------------------------------------------------------------------

const fixtures = new URL('./fixtures/', import.meta.url);
const HANG_GUARD_MS = 20_000;

/** The documented layout (docs/design.md): state word at +0, wake word at +8. */
function raw(wg: SharedWaitGroup): { state: BigInt64Array; wake: Int32Array } {
  return { state: new BigInt64Array(wg.buffer, wg.byteOffset, 1), wake: new Int32Array(wg.buffer, wg.byteOffset + 8, 1) };
}
/** A state word: counter in bits 63..32, waiters in 31..16, generation in 15..0. */
function stateWord(counter: number, waiters: number, generation: number): bigint {
  return (BigInt(counter) << 32n) | (BigInt(waiters) << 16n) | BigInt(generation);
}
function generationOf(wg: SharedWaitGroup): number {
  return Number(Atomics.load(raw(wg).state, 0) & 0xffffn);
}

/** Polls `condition` every millisecond; fails the test if it does not hold within the guard. */
async function until(condition: () => boolean, label: string, ms = HANG_GUARD_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`hang guard: still waiting for ${label} after ${ms} ms`);
    await sleep(1);
  }
}

/** Rejects with a hang-guard error if `promise` is still pending after `ms`. */
async function guard<T>(promise: Promise<T>, label: string, ms = HANG_GUARD_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang guard: ${label} still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const workers = new Set<Worker>();
// Each worker's exit, recorded from its start: a worker may exit before a test asks for it, and
// 'exit' is emitted once, to the listeners present then (Deno's and Node 24's workers exit fast).
const exits = new WeakMap<Worker, Promise<number>>();

function startWorker(file: string, workerData?: unknown): Worker {
  const worker = new Worker(new URL(file, fixtures), { workerData });
  workers.add(worker);
  worker.once('exit', () => workers.delete(worker));
  exits.set(worker, new Promise<number>((resolve) => worker.once('exit', resolve)));
  return worker;
}

/** The next message of `worker`; rejects if it fails or exits first. */
function nextMessage<T = Record<string, unknown>>(worker: Worker, label = 'a message from the worker'): Promise<T> {
  return guard(
    new Promise<T>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before posting`)));
    }),
    label,
  );
}

function exited(worker: Worker): Promise<number> {
  return guard(
    new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      void exits.get(worker)!.then(resolve);
    }),
    'the worker to exit',
  );
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

function isWaitGroupError(code: WaitGroupErrorCode, message?: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof WaitGroupError, `expected a WaitGroupError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  };
}

const MISUSE = 'sync: WaitGroup misuse: Add called concurrently with Wait';
const REUSED = 'sync: WaitGroup is reused before previous Wait has returned';

// ---- one thread -----------------------------------------------------------------------------

describe('SharedWaitGroup: memory', () => {
  test('BYTE_LENGTH is 16; buffer and byteOffset are own enumerable data properties', () => {
    assert.equal(SharedWaitGroup.BYTE_LENGTH, 16);
    const wg = new SharedWaitGroup();
    assert.ok(wg.buffer instanceof SharedArrayBuffer);
    assert.equal(wg.buffer.byteLength, 16);
    assert.equal(wg.byteOffset, 0);
    assert.deepEqual(Object.keys(wg), ['buffer', 'byteOffset']);
    for (const key of ['buffer', 'byteOffset']) {
      const descriptor = Object.getOwnPropertyDescriptor(wg, key);
      assert.ok(descriptor !== undefined && 'value' in descriptor && descriptor.enumerable, key);
    }
  });

  test('a structured clone carries buffer and byteOffset only, and rebuilds the same group', () => {
    const buffer = new SharedArrayBuffer(64);
    const wg = new SharedWaitGroup(buffer, 32);
    wg.add(3);
    const clone = structuredClone(wg) as { buffer: SharedArrayBuffer; byteOffset: number };
    assert.deepEqual(Object.keys(clone), ['buffer', 'byteOffset']);
    const again = new SharedWaitGroup(clone.buffer, clone.byteOffset);
    assert.equal(again.count, 3);
    again.add(-3);
    assert.equal(wg.count, 0);
  });

  test('zero-filled memory is a group at zero; attaching writes nothing; groups side by side are independent', async () => {
    const buffer = new SharedArrayBuffer(4 * 16);
    const bytes = new Uint8Array(buffer);
    const groups = [0, 16, 32, 48].map((offset) => new SharedWaitGroup(buffer, offset));
    assert.ok(bytes.every((byte) => byte === 0), 'attaching wrote nothing');
    for (const wg of groups) {
      assert.equal(wg.count, 0);
      assert.equal(wg.waiters, 0);
      await wg.wait();
      wg.waitSync();
    }
    groups[1]!.add(2);
    groups[2]!.add(5);
    assert.deepEqual(groups.map((wg) => wg.count), [0, 2, 5, 0]);
    const again = new SharedWaitGroup(buffer, 16);
    assert.equal(again.count, 2, 'attaching to used memory keeps its state');
    const waiting = groups[1]!.wait();
    groups[2]!.add(-5);
    assert.equal(await isSettled(waiting), false, 'another group reaching zero releases nobody here');
    again.add(-2);
    await waiting;
  });

  test('bad memory is refused with a clear error, and nothing is written', () => {
    const buffer = new SharedArrayBuffer(40);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0xab);
    const notShared = [new ArrayBuffer(16), new Uint8Array(new SharedArrayBuffer(16)), {}, 'buffer', 16, null];
    for (const bad of notShared) {
      assert.throws(
        () => new SharedWaitGroup(bad as never),
        (error: unknown) => {
          assert.ok(error instanceof TypeError, `${String(bad)}: TypeError`);
          assert.match(error.message, /must be a SharedArrayBuffer/);
          assert.match(error.message, /shared memory/);
          assert.match(error.message, /not the same group/);
          assert.match(error.message, /noCopy/);
          return true;
        },
      );
    }
    for (const offset of [4, 12, -8, 1.5, Number.NaN, Infinity, 32, 40, 48]) {
      assert.throws(() => new SharedWaitGroup(buffer, offset), RangeError, `offset ${offset}`);
    }
    assert.throws(() => new SharedWaitGroup(buffer, '8' as never), TypeError);
    assert.throws(() => new SharedWaitGroup(undefined, 8), RangeError, 'own memory has room at 0 only');
    assert.throws(() => new SharedWaitGroup(new SharedArrayBuffer(8)), RangeError);
    assert.ok(bytes.every((byte) => byte === 0xab), 'nothing was written');
    // The largest offset that fits is fine and leaves its neighbours alone.
    const wg = new SharedWaitGroup(new SharedArrayBuffer(40), 24);
    wg.add(1);
    assert.equal(wg.count, 1);
  });
});

describe('SharedWaitGroup: in one thread', () => {
  test('waitSync at zero returns; with a timeout it throws ERR_WAITGROUP_TIMEOUT and withdraws', () => {
    const wg = new SharedWaitGroup();
    wg.waitSync();
    wg.waitSync({ timeout: 0 });
    wg.add(2);
    assert.throws(() => wg.waitSync({ timeout: 0 }), isWaitGroupError('ERR_WAITGROUP_TIMEOUT'));
    assert.equal(wg.waiters, 0, 'timeout: 0 registers nothing');
    assert.throws(() => wg.waitSync({ timeout: 15 }), (error: unknown) => {
      assert.ok(error instanceof WaitGroupError);
      assert.equal(error.code, 'ERR_WAITGROUP_TIMEOUT');
      assert.match(error.message, /after 15 ms with the WaitGroup counter at 2\b/);
      return true;
    });
    assert.equal(wg.waiters, 0, 'the timed-out waiter withdrew');
    assert.equal(wg.count, 2);
    wg.add(-2);
    wg.waitSync();
  });

  test('waitSync options are checked; a signal is refused (a blocked thread cannot see an abort)', () => {
    const wg = new SharedWaitGroup();
    wg.add(1);
    assert.throws(() => wg.waitSync({ signal: new AbortController().signal } as never), /waitSync\(\)/);
    assert.throws(() => wg.waitSync(null as never), TypeError);
    assert.throws(() => wg.waitSync(5 as never), TypeError);
    assert.throws(() => wg.waitSync({ timeout: -1 }), RangeError);
    assert.throws(() => wg.waitSync({ timeout: '5' as never }), TypeError);
    assert.equal(wg.waiters, 0);
    wg.done();
  });

  test('waitSync where blocking is forbidden throws ERR_WAITGROUP_CANNOT_BLOCK and withdraws', () => {
    const wg = new SharedWaitGroup();
    const original = Atomics.wait;
    const refusal = new TypeError('Atomics.wait cannot be called in this context');
    (Atomics as { wait: unknown }).wait = () => {
      throw refusal;
    };
    try {
      wg.waitSync(); // at zero nothing blocks
      wg.add(1);
      assert.throws(
        () => wg.waitSync(),
        (error: unknown) => {
          assert.ok(error instanceof WaitGroupError);
          assert.equal(error.code, 'ERR_WAITGROUP_CANNOT_BLOCK');
          assert.match(error.message, /await wg\.wait\(\)/);
          assert.equal(error.cause, refusal);
          return true;
        },
      );
      assert.equal(wg.waiters, 0);
      assert.equal(wg.count, 1);
    } finally {
      Atomics.wait = original;
    }
    wg.done();
  });

  test('a pending untimed wait holds one shared keep-alive timer; it is gone when the waits settle', async () => {
    const wg = new SharedWaitGroup();
    const before = activeTimers();
    wg.add(1);
    const waits = [wg.wait(), wg.wait(), new SharedWaitGroup(wg.buffer).wait()];
    assert.equal(activeTimers(), before + 1, 'one keep-alive handle for all untimed waits of the thread');
    const controller = new AbortController();
    const aborted = wg.wait({ signal: controller.signal });
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    assert.equal(activeTimers(), before + 1);
    wg.done();
    await Promise.all(waits);
    assert.equal(activeTimers(), before, 'the keep-alive is cleared with the last wait');
    const lone = new AbortController();
    wg.add(1);
    const alone = wg.wait({ signal: lone.signal });
    assert.equal(activeTimers(), before + 1);
    lone.abort();
    await assert.rejects(alone, { name: 'AbortError' });
    assert.equal(activeTimers(), before, 'an abort clears it too');
    assert.equal(getEventListeners(lone.signal, 'abort').length, 0);
    wg.done();
  });

  test('without Atomics.waitAsync, wait() falls back to polling and leaves no timer behind', async () => {
    const original = Atomics.waitAsync;
    delete (Atomics as { waitAsync?: unknown }).waitAsync;
    try {
      const wg = new SharedWaitGroup();
      const other = new SharedWaitGroup(wg.buffer); // another object: only polling can tell it
      const before = activeTimers();
      wg.add(1);
      const waiting = other.wait();
      assert.equal(await isSettled(waiting), false);
      wg.done();
      await guard(waiting, 'the polling wait');
      const controller = new AbortController();
      wg.add(1);
      const aborted = other.wait({ signal: controller.signal });
      controller.abort();
      await assert.rejects(aborted, { name: 'AbortError' });
      assert.equal(activeTimers(), before, 'no poll timer, no keep-alive left');
      wg.done();
    } finally {
      Atomics.waitAsync = original;
    }
  });

  test('more than 65,535 registered waits is a RangeError, and nothing is registered', () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    Atomics.store(state, 0, stateWord(1, 0xffff, 7));
    assert.throws(() => wg.wait(), RangeError);
    assert.throws(() => wg.waitSync(), RangeError);
    assert.equal(Atomics.load(state, 0), stateWord(1, 0xffff, 7));
    Atomics.store(state, 0, 0n);
  });

  test('MISUSE made deterministic: add(1) at counter 0 with a waiter registered', async () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    wg.add(1);
    const waiting = wg.wait();
    const generation = generationOf(wg);
    // The state right after the last done()'s read-modify-write, before its release resets it.
    Atomics.store(state, 0, stateWord(0, 1, generation));
    assert.throws(() => wg.add(1), isWaitGroupError('ERR_WAITGROUP_MISUSE', MISUSE));
    // The refused add was undone, and its undo landed on zero with a waiter: it released.
    assert.equal(wg.count, 0);
    assert.equal(wg.waiters, 0);
    assert.equal(generationOf(wg), (generation + 1) & 0xffff);
    await guard(waiting, 'the released waiter');
  });

  test('the give-up compare-and-swap covers the generation (ABA): a stale waiter cannot withdraw a newer one', async () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    wg.add(1);
    const controller = new AbortController();
    const stale = wg.wait({ signal: controller.signal });
    const generation = generationOf(wg);
    assert.equal(Atomics.load(state, 0), stateWord(1, 1, generation));
    // Between the stale waiter's look and its CAS: its round completed, a new round started and
    // a new waiter registered. Counter and waiters are the same as before; the generation is not.
    Atomics.store(state, 0, stateWord(1, 1, (generation + 1) & 0xffff));
    controller.abort();
    await guard(stale, 'the stale waiter'); // it was released: the abort lost the race
    assert.equal(wg.waiters, 1, "the newer waiter's registration is intact");
    assert.equal(wg.count, 1);
    Atomics.store(state, 0, 0n);
  });

  test('the futex rule, made deterministic: a release right after the waiter looked at the state still wakes it', async () => {
    // Atomics.load is intercepted: when the waiter reads the state word for the n-th time, a
    // release (done() through another object, as another thread would) lands right after the
    // read. Reading the wake word before the state is what makes the sleep return at once; a
    // waiter that read it after would sleep on the bumped value and miss the release.
    const realLoad = Atomics.load;
    const realWait = Atomics.wait;
    for (const mode of ['sync', 'async'] as const) {
      const wg = new SharedWaitGroup();
      const releaser = new SharedWaitGroup(wg.buffer);
      let stateReads = 0;
      let released = false;
      (Atomics as { load: unknown }).load = (array: BigInt64Array | Int32Array, index: number): unknown => {
        const value = realLoad(array as Int32Array, index);
        // Read 1: the zero check of wait()/waitSync(); read 2: the look after registering.
        if (array instanceof BigInt64Array && array.buffer === wg.buffer && ++stateReads === 2) {
          releaser.done();
          released = true;
        }
        return value;
      };
      // A sleep that ends 'timed-out' after the release is a lost wake-up (the wait would then
      // find the release only because its own timeout ran out).
      const sleeps: string[] = [];
      (Atomics as { wait: unknown }).wait = (array: Int32Array, index: number, value: number, timeout?: number) => {
        const result = realWait(array, index, value, Math.min(timeout ?? Infinity, 1_000));
        sleeps.push(result);
        return result;
      };
      try {
        wg.add(1);
        if (mode === 'sync') {
          wg.waitSync({ timeout: 5_000 });
        } else {
          await guard(wg.wait(), 'an async wait whose release landed as it went to sleep', 2_000);
        }
      } finally {
        Atomics.load = realLoad;
        Atomics.wait = realWait;
      }
      assert.ok(released, `${mode}: the release was injected`);
      assert.ok(!sleeps.includes('timed-out'), `${mode}: the waiter slept through its release (${sleeps.join(', ')})`);
      assert.equal(wg.count, 0);
      assert.equal(wg.waiters, 0);
    }
  });

  test('generations wrap around: 70,000 released rounds, then the group still works', async () => {
    const wg = new SharedWaitGroup();
    for (let round = 0; round < 70_000; round++) {
      wg.add(1);
      const waiting = wg.wait();
      wg.done();
      await waiting;
    }
    assert.equal(generationOf(wg), 70_000 % 65_536);
    wg.add(1);
    const waiting = wg.wait({ timeout: 60_000 });
    assert.equal(await isSettled(waiting), false);
    wg.done();
    await waiting;
    assert.equal(wg.waiters, 0);
  });
});

// ---- model check ---------------------------------------------------------------------------
//
// The shared-memory protocol of src/shared-wait-group.ts (waitSync's loop, the give-up step,
// done() and its release, a refused add's undo), one atomic step at a time, explored over every
// interleaving of small scenarios. The generation counts modulo `generations`: with more
// generations than a scenario has releases, it must find nothing wrong; with one (that is, no
// generation), it must find the ABA hang, which shows that the check can fail.

type Op = 'wait' | 'waitGiveUp' | 'done' | 'add';
interface ThreadState {
  ops: Op[];
  pc: string;
  s: [number, number, number]; // a state word the thread holds: counter, waiters, generation
  g0: number; // the generation it registered in
  ghost0: number; // the number of releases when it registered (unbounded, the model's truth)
  seen: number; // the wake word it read
  asleep: boolean;
}
interface World {
  state: [number, number, number];
  wake: number;
  ghost: number; // releases so far, not modulo anything
  threads: ThreadState[];
}

function modelCheck(threadOps: Op[][], initialCounter: number, generations: number): { states: number; violations: string[] } {
  const violations: string[] = [];
  const seen = new Set<string>();
  const initial: World = {
    state: [initialCounter, 0, 0],
    wake: 0,
    ghost: 0,
    threads: threadOps.map((ops) => ({ ops: [...ops], pc: 'next', s: [0, 0, 0], g0: 0, ghost0: 0, seen: 0, asleep: false })),
  };
  const clone = (world: World): World => structuredClone(world);
  const fail = (world: World, message: string): void => {
    if (violations.length < 5) violations.push(`${message} in ${JSON.stringify(world)}`);
  };

  // The successors of `world` when thread `t` takes one step (several where the step chooses).
  function step(world: World, t: number): World[] {
    const w = clone(world);
    const th = w.threads[t]!;
    const [c, n, g] = w.state;
    const done = (): World[] => ((th.pc = 'next'), [w]);
    switch (th.pc) {
      case 'next': {
        const op = th.ops.shift();
        if (op === undefined) return [];
        th.pc = op === 'done' ? 'D0' : op === 'add' ? 'A0' : 'W0';
        th.asleep = false;
        (th as ThreadState & { giveUp?: boolean }).giveUp = op === 'waitGiveUp';
        return [w];
      }
      // waitSync: look; register with a CAS
      case 'W0':
        if (c === 0) return done();
        th.s = [c, n, g];
        th.pc = 'W1';
        return [w];
      case 'W1':
        if (c === th.s[0] && n === th.s[1] && g === th.s[2]) {
          w.state = [c, n + 1, g];
          th.g0 = g;
          th.ghost0 = w.ghost;
          th.pc = 'W2';
        } else th.pc = 'W0';
        return [w];
      // the futex rule: the wake word first, then the state
      case 'W2':
        th.seen = w.wake;
        th.pc = 'W3';
        return [w];
      case 'W3': {
        if (g !== th.g0) {
          if (w.ghost <= th.ghost0) fail(w, `thread ${t} returned before its round was released`);
          return done();
        }
        th.s = [c, n, g];
        const sleep = clone(w);
        sleep.threads[t]!.pc = 'W4';
        if (!(th as ThreadState & { giveUp?: boolean }).giveUp) return [sleep];
        const giveUp = clone(w);
        giveUp.threads[t]!.pc = 'W5'; // the timeout (or the abort) comes now
        return [sleep, giveUp];
      }
      case 'W4': // Atomics.wait(wake, seen): returns at once if the word moved, else sleeps
        if (w.wake !== th.seen) th.pc = 'W2';
        else th.asleep = true;
        return [w];
      case 'W5': // give up: withdraw with a CAS that covers the generation, unless released
        if (g !== th.g0) {
          if (w.ghost <= th.ghost0) fail(w, `thread ${t} treated itself as released too early`);
          return done();
        }
        if (c === th.s[0] && n === th.s[1] && g === th.s[2]) {
          if (w.ghost !== th.ghost0) fail(w, `thread ${t} withdrew a registration of a later round (ABA)`);
          w.state = [c, n - 1, g];
          return done();
        }
        th.pc = 'W5b';
        return [w];
      case 'W5b': // the CAS failed: look again
        th.s = [c, n, g];
        th.pc = 'W5';
        return [w];
      // done(): one read-modify-write, then the release if it reached zero with waiters
      case 'D0':
        w.state = [c - 1, n, g];
        if (c - 1 < 0) fail(w, 'negative counter in a valid scenario');
        if (c - 1 === 0 && n > 0) {
          th.s = [0, n, g];
          th.pc = 'R0';
          return [w];
        }
        return done();
      // add(1): a positive add from zero with waiters registered is refused and undone
      case 'A0':
        w.state = [c + 1, n, g];
        if (c === 0 && n > 0) {
          th.pc = 'A1';
          return [w];
        }
        return done();
      case 'A1': // the undo; it releases if it lands on zero with waiters
        w.state = [c - 1, n, g];
        if (c - 1 === 0 && n > 0) {
          th.s = [0, n, g];
          th.ops.shift(); // the refused add's task is not run: skip its done()
          th.pc = 'R0';
          return [w];
        }
        th.ops.shift();
        return done();
      // the release: CAS to (0, 0, g + 1), bump the wake word, notify everybody
      case 'R0':
        if (c === th.s[0] && n === th.s[1] && g === th.s[2]) {
          w.state = [0, 0, (g + 1) % generations];
          w.ghost++;
          th.pc = 'R1';
          return [w];
        }
        if (c !== 0 || n === 0 || g !== th.s[2]) return done();
        th.s = [c, n, g];
        return [w];
      case 'R1':
        w.wake++;
        th.pc = 'R2';
        return [w];
      case 'R2':
        for (const other of w.threads) {
          if (other.asleep) {
            other.asleep = false;
            other.pc = 'W2';
          }
        }
        return done();
    }
    throw new Error(`unknown pc ${th.pc}`);
  }

  const stack: World[] = [initial];
  while (stack.length > 0) {
    const world = stack.pop()!;
    const key = JSON.stringify(world);
    if (seen.has(key)) continue;
    seen.add(key);
    let moved = false;
    for (let t = 0; t < world.threads.length; t++) {
      const th = world.threads[t]!;
      if (th.asleep) {
        // A sleeper with a timeout may time out at any moment.
        if ((th as ThreadState & { giveUp?: boolean }).giveUp) {
          const timedOut = clone(world);
          timedOut.threads[t]!.asleep = false;
          timedOut.threads[t]!.pc = 'W2'; // it looks once more; W3 then offers the give-up
          stack.push(timedOut);
          moved = true;
        }
        continue;
      }
      for (const next of step(world, t)) {
        stack.push(next);
        moved = true;
      }
    }
    if (!moved) {
      const stuck = world.threads.findIndex((th) => th.asleep || th.pc !== 'next' || th.ops.length > 0);
      if (stuck !== -1) fail(world, `thread ${stuck} hangs (a lost wake-up)`);
      else if (world.state[0] !== 0 || world.state[1] !== 0) fail(world, 'the state is not back to zero (a leak)');
    }
  }
  return { states: seen.size, violations };
}

describe('SharedWaitGroup: model check of the protocol, every interleaving', () => {
  const scenarios: [string, Op[][], number][] = [
    ['two waiters (one may give up), one done()', [['waitGiveUp'], ['wait'], ['done']], 1],
    ['give-up against a release and a reuse (ABA)', [['waitGiveUp'], ['done', 'add', 'done'], ['wait']], 1],
    ['a racing add from zero (misuse) while a round is released', [['wait'], ['done'], ['add', 'done']], 1],
    ['two waiters that may both give up, one done()', [['waitGiveUp'], ['waitGiveUp'], ['done']], 1],
    ['a waiter that waits twice across a reuse', [['waitGiveUp', 'wait'], ['done', 'add', 'done']], 1],
  ];
  for (const [name, threads, counter] of scenarios) {
    test(`${name}: no early release, no lost wake-up, no leak`, (t) => {
      const { states, violations } = modelCheck(threads, counter, 4);
      t.diagnostic(`${states} states`);
      assert.deepEqual(violations, []);
    });
  }

  test('without the generation (modulo 1) the checker finds the ABA hang', (t) => {
    const { violations } = modelCheck([['waitGiveUp'], ['done', 'add', 'done'], ['wait']], 1, 1);
    t.diagnostic(violations[0] ?? 'none');
    assert.ok(
      violations.some((violation) => /ABA|hangs|leak/.test(violation)),
      `expected a violation, got ${JSON.stringify(violations)}`,
    );
  });
});

// ---- across threads ------------------------------------------------------------------------

describe('SharedWaitGroup: across worker threads', () => {
  afterEach(async () => {
    await Promise.all([...workers].map((worker) => worker.terminate()));
  });

  test("TestWaitGroup: two-stage barrier, 16 workers, 8 rounds on the same groups", async () => {
    const n = 16;
    const rounds = 8;
    const wg1 = new SharedWaitGroup();
    const wg2 = new SharedWaitGroup();
    const ctrl = new Int32Array(new SharedArrayBuffer(8)); // [round opened, exited]
    const pool = Array.from({ length: n }, (_, i) =>
      startWorker('barrier-worker.mjs', { wg1, wg2, ctrl, rounds, mode: i % 2 === 0 ? 'sync' : 'async' }),
    );
    for (let round = 1; round <= rounds; round++) {
      Atomics.store(ctrl, 1, 0);
      wg1.add(n);
      wg2.add(n);
      Atomics.store(ctrl, 0, round);
      Atomics.notify(ctrl, 0);
      if (round % 2 === 1) wg1.waitSync({ timeout: HANG_GUARD_MS });
      else await guard(wg1.wait(), 'wg1.wait()');
      await until(() => wg2.waiters === n, 'every worker to wait on wg2');
      for (let i = 0; i < n; i++) {
        await sleep(i === n - 1 ? 5 : 0);
        assert.equal(Atomics.load(ctrl, 1), 0, `round ${round}: WaitGroup released group too soon (before done #${i + 1})`);
        wg2.done();
      }
      await until(() => Atomics.load(ctrl, 1) === n, `round ${round}: all ${n} workers to exit the barrier`);
      assert.equal(wg2.waiters, 0);
      assert.equal(wg1.count + wg2.count, 0);
    }
    assert.deepEqual(await Promise.all(pool.map(exited)), Array(n).fill(0));
  });

  for (const variant of ['atomic', 'plain'] as const) {
    test(`TestWaitGroupRace (${variant} writes): 1000 rounds, two workers write then done(); the wait sees both`, async () => {
      const rounds = 1000;
      const slots = 64;
      const wg = new SharedWaitGroup();
      const ctrl = new Int32Array(new SharedArrayBuffer(8)); // [round opened, atomic counter]
      const data = new Int32Array(new SharedArrayBuffer(2 * slots * 4));
      const pair = [0, 1].map((index) => startWorker('race-worker.mjs', { group: wg, ctrl, data, index, rounds, variant, slots }));
      for (let round = 1; round <= rounds; round++) {
        wg.add(2);
        Atomics.store(ctrl, 0, round);
        Atomics.notify(ctrl, 0);
        if (round % 2 === 1) wg.waitSync({ timeout: HANG_GUARD_MS });
        else await guard(wg.wait(), `round ${round}: wait()`);
        if (variant === 'atomic') {
          assert.equal(Atomics.load(ctrl, 1), 2 * round, `round ${round}: spurious wakeup from wait`);
        } else {
          let wrong = -1;
          for (let k = 0; k < 2 * slots; k++) {
            if (data[k] !== round * slots + (k % slots)) wrong = k; // plain reads
          }
          assert.equal(wrong, -1, `round ${round}: a plain write made before done() is not visible (slot ${wrong})`);
        }
      }
      assert.deepEqual(await Promise.all(pair.map(exited)), [0, 0]);
    });
  }

  test('lost wake-up hunt: a hot worker releases at random points of the waiter going to sleep', async () => {
    const rounds = 3000;
    const wg = new SharedWaitGroup();
    const ctrl = new Int32Array(new SharedArrayBuffer(8)); // [round opened, round finished by the worker]
    const worker = startWorker('hot-done-worker.mjs', { group: wg, ctrl, rounds, seed: 7 });
    for (let round = 1; round <= rounds; round++) {
      // Open the round only once the worker is back to spinning, not still returning from its
      // last notify (spin a little, then sleep: another process may be using the other core).
      const deadline = Date.now() + HANG_GUARD_MS;
      for (let spins = 0, finished; (finished = Atomics.load(ctrl, 1)) < round - 1; ) {
        if (++spins > 20_000) Atomics.wait(ctrl, 1, finished, 1);
        assert.ok(Date.now() < deadline, 'hang guard: the hot worker');
      }
      wg.add(1);
      Atomics.store(ctrl, 0, round);
      Atomics.notify(ctrl, 0);
      // A lost wake-up leaves the waiter asleep: nothing else will notify it. The timeout fails the test.
      if (round % 2 === 1) wg.waitSync({ timeout: 5_000 });
      else await wg.wait({ timeout: 5_000 });
      assert.equal(wg.count, 0);
    }
    assert.equal(await exited(worker), 0);
  });

  test('TestWaitGroupAlign: a group at a non-zero offset of a larger buffer, done() from a worker', async () => {
    const buffer = new SharedArrayBuffer(72);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0xcd, 0, 40);
    bytes.fill(0xcd, 56, 72);
    const wg = new SharedWaitGroup(buffer, 40);
    wg.add(1);
    const worker = startWorker('done-worker.mjs', { group: { buffer, byteOffset: 40 }, delay: 5 });
    await guard(wg.wait(), 'the aligned group');
    assert.equal(wg.count, 0);
    assert.ok(bytes.subarray(0, 40).every((byte) => byte === 0xcd), 'the bytes before the group are untouched');
    assert.ok(bytes.subarray(56).every((byte) => byte === 0xcd), 'the bytes after the group are untouched');
    assert.equal(await exited(worker), 0);
  });

  test('the structured-clone path: post the group object itself; the worker rebuilds it from buffer/byteOffset', async () => {
    const wg = new SharedWaitGroup(new SharedArrayBuffer(48), 16);
    wg.add(2);
    const worker = startWorker('done-worker.mjs', { times: 2 });
    const reply = nextMessage<{ keys: string[]; count: number }>(worker);
    worker.postMessage(wg);
    wg.waitSync({ timeout: HANG_GUARD_MS });
    assert.deepEqual((await reply).keys, ['buffer', 'byteOffset'], 'the clone carried exactly buffer and byteOffset');
    assert.equal(wg.count, 0);
  });

  test('REUSED made deterministic: a waitSync woken after its release, with the counter non-zero again', async () => {
    const wg = new SharedWaitGroup();
    const { state, wake } = raw(wg);
    wg.add(1);
    const worker = startWorker('wait-worker.mjs', { group: wg, mode: 'sync' });
    const reply = nextMessage(worker);
    await until(() => wg.waiters === 1, 'the worker to register');
    const generation = generationOf(wg);
    // Its round released (next generation), then reused: counter 1 again, no waiter yet.
    Atomics.store(state, 0, stateWord(1, 0, (generation + 1) & 0xffff));
    Atomics.add(wake, 0, 1);
    Atomics.notify(wake, 0);
    assert.deepEqual(await reply, { outcome: 'threw', name: 'WaitGroupError', code: 'ERR_WAITGROUP_REUSED', message: REUSED });
    assert.equal(wg.count, 1);
    wg.done();
  });

  test('a spurious wake-up (notify, wake word bumped, round not released) does not release a waiter', async () => {
    const wg = new SharedWaitGroup();
    const { wake } = raw(wg);
    wg.add(1);
    const sync = startWorker('wait-worker.mjs', { group: wg, mode: 'sync' });
    const async = startWorker('wait-worker.mjs', { group: wg, mode: 'async' });
    const replies = [nextMessage(sync), nextMessage(async)];
    await until(() => wg.waiters === 2, 'both workers to register');
    let early = false;
    void Promise.race(replies).then(() => (early = true));
    for (let i = 0; i < 5; i++) {
      Atomics.add(wake, 0, 1);
      Atomics.notify(wake, 0);
      await sleep(10);
    }
    assert.equal(early, false, 'no waiter returned on a spurious wake-up');
    assert.equal(wg.waiters, 2);
    wg.done();
    assert.deepEqual(await Promise.all(replies), [{ outcome: 'returned' }, { outcome: 'returned' }]);
  });

  test('MISUSE made deterministic across threads: the undo of the refused add releases the waiting worker', async () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    wg.add(1);
    const worker = startWorker('wait-worker.mjs', { group: wg, mode: 'sync' });
    const reply = nextMessage(worker);
    await until(() => wg.waiters === 1, 'the worker to register');
    Atomics.store(state, 0, stateWord(0, 1, generationOf(wg)));
    assert.throws(() => wg.add(1), isWaitGroupError('ERR_WAITGROUP_MISUSE', MISUSE));
    assert.deepEqual(await reply, { outcome: 'returned' });
    assert.equal(wg.count, 0);
    assert.equal(wg.waiters, 0);
  });

  test('a timed-out waitSync in a worker cannot withdraw from a newer round (ABA across threads)', async () => {
    const wg = new SharedWaitGroup();
    const { state } = raw(wg);
    wg.add(1);
    const worker = startWorker('wait-worker.mjs', { group: wg, mode: 'sync', options: { timeout: 100 } });
    const reply = nextMessage(worker);
    await until(() => wg.waiters === 1, 'the worker to register');
    // Released and reused without a notify: the sleeper only finds out when it times out.
    Atomics.store(state, 0, stateWord(1, 1, (generationOf(wg) + 1) & 0xffff));
    // Go's check: it was released, and the group is in a new round before it returned.
    assert.deepEqual(await reply, { outcome: 'threw', name: 'WaitGroupError', code: 'ERR_WAITGROUP_REUSED', message: REUSED });
    assert.equal(wg.waiters, 1, "the newer round's waiter is still registered");
    Atomics.store(state, 0, 0n);
  });

  test('waits with timeouts in workers give up and withdraw; the count stays exact', async () => {
    const wg = new SharedWaitGroup();
    wg.add(1);
    const timed = [
      startWorker('wait-worker.mjs', { group: wg, mode: 'sync', options: { timeout: 20 } }),
      startWorker('wait-worker.mjs', { group: wg, mode: 'async', options: { timeout: 20 } }),
    ];
    const plain = startWorker('wait-worker.mjs', { group: wg, mode: 'async' });
    const plainReply = nextMessage(plain);
    for (const reply of await Promise.all(timed.map((worker) => nextMessage(worker)))) {
      assert.equal(reply['code'], 'ERR_WAITGROUP_TIMEOUT');
    }
    await until(() => wg.waiters === 1, 'the plain waiter to be the only one left');
    wg.done();
    assert.deepEqual(await plainReply, { outcome: 'returned' });
    assert.equal(wg.waiters, 0);
  });

  test("TestWaitGroupMisuse3 (time-bounded): reuse right after one's own wait: the add succeeds, another waitSync() throws REUSED, a wait() resolves", async (t) => {
    const wg = new SharedWaitGroup();
    // [0] iteration opened, [1] G2 reopened in iteration, [2] finished, [3] REUSED (G3), [4] other errors
    const ctrl = new Int32Array(new SharedArrayBuffer(5 * 4));
    for (const role of ['G2', 'G3', 'G4']) startWorker('misuse3-worker.mjs', { group: wg, ctrl, role });
    const deadline = Date.now() + 4_000;
    let iteration = 0;
    while (Date.now() < deadline && Atomics.load(ctrl, 3) < 20 && iteration < 500) {
      iteration++;
      wg.add(1);
      Atomics.store(ctrl, 0, iteration);
      Atomics.notify(ctrl, 0);
      await until(() => wg.waiters === 3, `iteration ${iteration}: G2, G3 and G4 to wait`);
      wg.done(); // G1
      await until(() => Atomics.load(ctrl, 1) === iteration, `iteration ${iteration}: G2 to reopen`);
      // `go Done()`: the new round's task finishes a little later, as a goroutine would.
      await until(() => wg.waiters > 0, `iteration ${iteration}: G2 to wait again`);
      await sleep(1);
      wg.done();
      await until(() => Atomics.load(ctrl, 2) === 3 * iteration, `iteration ${iteration}: every role to finish`);
      assert.equal(wg.count, 0);
      assert.equal(wg.waiters, 0);
    }
    Atomics.store(ctrl, 0, -1);
    Atomics.notify(ctrl, 0);
    const reusedCount = Atomics.load(ctrl, 3);
    t.diagnostic(`${iteration} iterations: ${reusedCount} REUSED`);
    assert.equal(Atomics.load(ctrl, 4), 0, 'no other error: the reopening add never throws (no MISUSE) and wait() always resolves');
    assert.ok(reusedCount >= 1, `REUSED seen at least once in ${iteration} iterations`);
  });

  test('stress: workers hammer add/done while threads wait with random timeouts and aborts', async (t) => {
    const wg = new SharedWaitGroup();
    const hammers = 2;
    // [0] stop, [1] released, [2] timed out, [3] aborted, [4] reused, [5] violations, [6] errors,
    // [7] misuse (a hammer's add from zero raced with a release: refused, undone, retried)
    const ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
    const tasks = new Int32Array(new SharedArrayBuffer(2 * hammers * 4));
    const timersBefore = activeTimers();
    const pool = [
      ...Array.from({ length: hammers }, (_, index) =>
        startWorker('stress-worker.mjs', { group: wg, ctrl, tasks, role: 'hammer', index, hammers, seed: 1 + index }),
      ),
      ...Array.from({ length: 2 }, (_, index) =>
        startWorker('stress-worker.mjs', { group: wg, ctrl, tasks, role: 'waiter', index, hammers, seed: 100 + index }),
      ),
    ];
    // This thread waits too: bursts of async waits, plain, timed and aborted.
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const outcome = { released: 0, timedOut: 0, aborted: 0, violations: 0 };
    // Until 2,000 rounds have been released with waiters registered, or 8 s have passed.
    const { wake } = raw(wg);
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && Atomics.load(wake, 0) < 2_000) {
      const waits: Promise<void>[] = [];
      for (let i = 0; i < 8; i++) {
        const started = Array.from({ length: hammers }, (_, h) => Atomics.load(tasks, 2 * h));
        const kind = random();
        const controller = new AbortController();
        const options = kind < 0.3 ? undefined : kind < 0.65 ? { timeout: random() * 3 } : { signal: controller.signal };
        if (options !== undefined && 'signal' in options) setTimeout(() => controller.abort(), random() * 3);
        waits.push(
          wg.wait(options).then(
            () => {
              outcome.released++;
              for (let h = 0; h < hammers; h++) if (Atomics.load(tasks, 2 * h + 1) < started[h]!) outcome.violations++;
            },
            (error: unknown) => {
              if ((error as WaitGroupError).code === 'ERR_WAITGROUP_TIMEOUT') outcome.timedOut++;
              else if ((error as Error).name === 'AbortError') outcome.aborted++;
              else throw error;
            },
          ),
        );
      }
      await guard(Promise.all(waits), 'a burst of waits on the main thread');
    }
    Atomics.store(ctrl, 0, 1);
    assert.deepEqual(await Promise.all(pool.map(exited)), [0, 0, 0, 0], 'every worker finished: no hang, no lost wake-up');
    const releases = Atomics.load(wake, 0);
    const [released, timedOut, aborted, reusedCount, violations, errors, misuseCount] = Array.from(ctrl.subarray(1));
    t.diagnostic(
      `${releases} rounds released with waiters; workers: ${released} released, ${timedOut} timed out, ${aborted} aborted, ` +
        `${reusedCount} REUSED (released, then reused before waitSync returned); hammers: ${misuseCount} MISUSE (refused add, retried); ` +
        `main: ${JSON.stringify(outcome)}`,
    );
    assert.equal(violations, 0, 'no wait was released while a task started before it was unfinished');
    assert.equal(outcome.violations, 0);
    assert.equal(errors, 0);
    assert.ok(releases >= 1000, `thousands of rounds: ${releases}`);
    assert.ok(outcome.timedOut > 0 && outcome.aborted > 0 && outcome.released > 0, 'every outcome happened on main');
    assert.ok(timedOut! > 0 && released! > 0, 'every outcome happened in the workers');
    assert.equal(wg.count, 0, 'the counter is back to zero');
    assert.equal(wg.waiters, 0, 'no waiter registration leaked');
    assert.equal(activeTimers(), timersBefore, 'no timer or keep-alive left on main');
  });

  test('the event-loop keep-alive, in a child process: `await wg.wait()` for unref\'d workers finishes', async () => {
    const script = fileURLToPath(new URL('keep-alive.mjs', fixtures));
    const run = (arg?: string) =>
      guard(
        new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
          const child = spawn(process.execPath, arg === undefined ? [script] : [script, arg], { stdio: ['ignore', 'pipe', 'inherit'] });
          let stdout = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.once('error', reject);
          child.once('close', (code) => resolve({ code, stdout }));
        }),
        `keep-alive child ${arg ?? ''}`,
      );
    const [plain, timed, bare] = await Promise.all([run(), run('timeout'), run('raw')]);
    assert.deepEqual(plain, { code: 0, stdout: 'released with counter 0\n' });
    assert.deepEqual(timed, { code: 0, stdout: 'released with counter 0\n' }, 'and exits once released: the timer is cleared');
    // The premise: a bare Atomics.waitAsync does not keep Node alive (exit 13: unsettled top-level await).
    assert.deepEqual(bare, { code: 13, stdout: '' });
  });
});
