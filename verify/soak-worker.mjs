// One thread of the soak test (verify/soak.ts): random add/done/wait/waitSync, with random
// timeouts and aborts, on a handful of shared groups, checking invariants as it goes. It imports
// the built package (`npm run build` first): Node cannot load .ts in a worker under tsx.
//
// The workload is legal by construction, so that every misuse error is a bug:
// - a thread adds only units it will itself mark done, and never does more done() than adds;
// - an add that may start a round (the thread holds no unit of that group) takes the group's
//   "opening" flag and waits until no done() on the group is in flight (a Dekker handshake on
//   `opening`/`inflight`), so it can never race with the release of the previous round
//   (Go's "Add called concurrently with Wait");
// - a thread never blocks without a timeout while it holds units (no cross-thread deadlock).
// Waits may still start while a round is being opened (Go's contract asks that the add happen
// before the wait): such a wait returns at once or joins the new round, and a waitSync may
// report ERR_WAITGROUP_REUSED, which is then checked to be genuine (a new round was opened after
// the wait began).
import { workerData } from 'node:worker_threads';
import { SharedWaitGroup } from 'waitgroups';

const { buffer, groups: G, ctrl, groupCtrl, barrier, status, callStart, heldShared, stats, index, seed, threads: T } = workerData;

// ctrl slots (Int32Array)
const STOP = 0, EPOCH = 1, PAUSED = 2, RESUMED = 3, VIOLATIONS = 4, BARRIER = 5, BARRIER_DONE = 6;
// barrier slots (Int32Array): the round opened, arrivals, returns, the round whose done() was made
const B_OPEN = 0, B_IN = 1, B_OUT = 2, B_DONE = 3;
const BARRIER_ROUNDS = 250;
// groupCtrl slots per group (Int32Array, 8 per group)
const STARTED = 0, FINISHED = 1, OPENING = 2, INFLIGHT = 3, OPENS_DONE = 4;
// status slots per thread (Int32Array, 8 per thread), read by the watchdog in soak.ts
const HEARTBEAT = 0, MODE = 1, MODE_GROUP = 2, TIMED = 3, CALL_SEQ = 4, WAKE_AT_START = 5;
const MODE_RUN = 0, MODE_WAIT_SYNC = 1, MODE_PAUSING = 2, MODE_PAUSED = 3;
// stats slots per thread (Float64Array, written by this thread only)
const STAT = {
  ops: 0, adds: 1, dones: 2, asyncWaits: 3, syncWaits: 4, released: 5, releasedAfterWaiting: 6,
  timeouts: 7, aborts: 8, reused: 9, barrierRounds: 10, doneBackoffs: 11, openSkips: 12, pauses: 13,
};
const STATS = 16;

const generations = Array.from({ length: G }, (_, g) => new BigInt64Array(buffer, g * 16, 1));
/** White-box: the generation of group g (docs/design.md layout), to tell a wait that was woken by a release. */
const generationOf = (g) => Number(Atomics.load(generations[g], 0) & 0xffffn);
const wgs = Array.from({ length: G }, (_, g) => new SharedWaitGroup(buffer, g * SharedWaitGroup.BYTE_LENGTH));
const gc = (g, slot) => g * 8 + slot;
const st = (k) => index * STATS + k;
const bump = (k, n = 1) => {
  stats[st(k)] += n;
};
const setMode = (mode, g = 0) => {
  Atomics.store(status, index * 8 + MODE_GROUP, g);
  Atomics.store(status, index * 8 + MODE, mode);
};
const wakes = Array.from({ length: G }, (_, g) => new Int32Array(buffer, g * 16 + 8, 1));
/** Publishes the waitSync about to start, for the watchdog's lost-wake-up check. */
function enterWaitSync(g, timed) {
  Atomics.store(status, index * 8 + TIMED, timed ? 1 : 0);
  Atomics.store(status, index * 8 + WAKE_AT_START, Atomics.load(wakes[g], 0));
  callStart[index] = Date.now();
  Atomics.add(status, index * 8 + CALL_SEQ, 1);
  setMode(MODE_WAIT_SYNC, g);
}
const publishHeld = (g) => Atomics.store(heldShared, index * G + g, held[g]);

// mulberry32
let rng = seed >>> 0;
function random() {
  rng = (rng + 0x6d2b79f5) >>> 0;
  let t = rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (n) => Math.floor(random() * n);

const violations = [];
function violation(message) {
  Atomics.add(ctrl, VIOLATIONS, 1);
  if (violations.length < 20) {
    violations.push(message);
    console.error(`[soak thread ${index}] VIOLATION: ${message}`);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
const held = new Array(G).fill(0);
let heldTotal = 0;
const pending = new Set();

/** Never early: every task whose add returned before the wait began has been marked done. */
function checkNotEarly(g, started0, what) {
  const finished = Atomics.load(groupCtrl, gc(g, FINISHED));
  if (finished < started0) violation(`${what} on group ${g} returned early: ${finished} tasks finished < ${started0} started before it began`);
}

/** ERR_WAITGROUP_REUSED is genuine only if a round was opened on the group after the wait began. */
function checkReused(g, opens0) {
  for (;;) {
    if (Atomics.load(groupCtrl, gc(g, OPENS_DONE)) > opens0) return;
    if (Atomics.load(groupCtrl, gc(g, OPENING)) === 0) {
      if (Atomics.load(groupCtrl, gc(g, OPENS_DONE)) > opens0) return;
      violation(`waitSync on group ${g}: ERR_WAITGROUP_REUSED but no round was opened after the wait began`);
      return;
    }
    Atomics.wait(pause, 0, 0, 0.01);
  }
}

function unexpected(error, what) {
  violation(`${what}: unexpected ${error?.code ?? error?.name ?? typeof error}: ${error?.message ?? String(error)}`);
}

/** add(k) on group g; returns whether it was made. */
function add(g) {
  const k = random() < 0.2 ? 1 + pick(3) : 1;
  if (held[g] >= 4) return;
  if (held[g] > 0) {
    // The counter is at least held[g] > 0: a plain add, legal at any time.
    try {
      wgs[g].add(k);
    } catch (error) {
      unexpected(error, `nested add(${k}) on group ${g}`);
      return;
    }
  } else {
    // May open a round: exclude in-flight done() calls (and thus in-flight releases).
    if (Atomics.compareExchange(groupCtrl, gc(g, OPENING), 0, 1) !== 0) {
      bump(STAT.openSkips);
      return;
    }
    try {
      let spins = 0;
      while (Atomics.load(groupCtrl, gc(g, INFLIGHT)) !== 0) {
        if (++spins % 64 === 0) Atomics.wait(pause, 0, 0, 0.005);
      }
      try {
        wgs[g].add(k);
      } catch (error) {
        unexpected(error, `opening add(${k}) on group ${g}`);
        return;
      }
      Atomics.add(groupCtrl, gc(g, OPENS_DONE), 1);
    } finally {
      Atomics.store(groupCtrl, gc(g, OPENING), 0);
    }
  }
  Atomics.add(groupCtrl, gc(g, STARTED), k);
  held[g] += k;
  heldTotal += k;
  publishHeld(g);
  bump(STAT.adds);
}

/** done() of one unit held on group g; returns false if it backed off for an opener. */
function done(g) {
  Atomics.add(groupCtrl, gc(g, INFLIGHT), 1);
  try {
    if (Atomics.load(groupCtrl, gc(g, OPENING)) !== 0) {
      bump(STAT.doneBackoffs);
      return false;
    }
    Atomics.add(groupCtrl, gc(g, FINISHED), 1);
    held[g]--;
    heldTotal--;
    publishHeld(g);
    try {
      wgs[g].done();
    } catch (error) {
      unexpected(error, `done() on group ${g}`);
    }
    bump(STAT.dones);
    return true;
  } finally {
    Atomics.sub(groupCtrl, gc(g, INFLIGHT), 1);
  }
}

function asyncWait(g) {
  const kind = random();
  const controller = new AbortController();
  let options;
  let timeout;
  if (kind < 0.3) options = undefined;
  else if (kind < 0.65) {
    timeout = random() < 0.1 ? 0 : random() * 3;
    options = { timeout };
  } else {
    options = { signal: controller.signal };
    const when = random();
    if (when < 0.1) controller.abort(); // already aborted: rejects at once
    else if (when < 0.2) queueMicrotask(() => controller.abort()); // before any wake-up can run
    else setTimeout(() => controller.abort(), random() * 3);
  }
  const started0 = Atomics.load(groupCtrl, gc(g, STARTED));
  const generation0 = generationOf(g);
  const t0 = performance.now();
  bump(STAT.asyncWaits);
  let promise;
  try {
    promise = wgs[g].wait(options);
  } catch (error) {
    unexpected(error, `wait() on group ${g}`);
    return;
  }
  const tracked = promise.then(
    () => {
      bump(STAT.released);
      if (generationOf(g) !== generation0) bump(STAT.releasedAfterWaiting);
      checkNotEarly(g, started0, 'wait()');
    },
    (error) => {
      if (error?.code === 'ERR_WAITGROUP_TIMEOUT' && timeout !== undefined) {
        bump(STAT.timeouts);
        const elapsed = performance.now() - t0;
        if (elapsed < timeout - 2) violation(`wait({ timeout: ${timeout} }) on group ${g} timed out after ${elapsed} ms`);
      } else if (options?.signal !== undefined && error === controller.signal.reason) {
        bump(STAT.aborts);
      } else unexpected(error, `wait(${timeout !== undefined ? 'timeout' : options ? 'signal' : ''}) on group ${g}`);
    },
  );
  pending.add(tracked);
  void tracked.finally(() => pending.delete(tracked));
}

function syncWait(g) {
  // Untimed only while holding nothing: a blocked thread must not hold up a counter.
  const timeout = heldTotal === 0 && random() < 0.3 ? undefined : random() < 0.1 ? 0 : random() * 3;
  const started0 = Atomics.load(groupCtrl, gc(g, STARTED));
  const opens0 = Atomics.load(groupCtrl, gc(g, OPENS_DONE));
  const generation0 = generationOf(g);
  const t0 = performance.now();
  bump(STAT.syncWaits);
  enterWaitSync(g, timeout !== undefined);
  try {
    wgs[g].waitSync(timeout === undefined ? undefined : { timeout });
    bump(STAT.released);
    if (generationOf(g) !== generation0) bump(STAT.releasedAfterWaiting);
    checkNotEarly(g, started0, 'waitSync()');
  } catch (error) {
    if (error?.code === 'ERR_WAITGROUP_TIMEOUT' && timeout !== undefined) {
      bump(STAT.timeouts);
      const elapsed = performance.now() - t0;
      if (elapsed < timeout - 1) violation(`waitSync({ timeout: ${timeout} }) on group ${g} timed out after ${elapsed} ms`);
    } else if (error?.code === 'ERR_WAITGROUP_REUSED') {
      bump(STAT.reused);
      checkNotEarly(g, started0, 'waitSync() (REUSED)');
      checkReused(g, opens0);
    } else unexpected(error, `waitSync(${timeout}) on group ${g}`);
  } finally {
    setMode(MODE_RUN);
  }
}

const macrotask = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function pauseHere(epoch) {
  setMode(MODE_PAUSING);
  // Mark every held unit done (retrying while an opener holds a group), then let every pending
  // wait settle: with nobody holding units, every counter reaches zero.
  while (heldTotal > 0) {
    for (let g = 0; g < G; g++) while (held[g] > 0 && done(g));
    if (heldTotal > 0) await macrotask();
  }
  await Promise.all([...pending]);
  setMode(MODE_PAUSED);
  bump(STAT.pauses);
  Atomics.add(ctrl, PAUSED, 1);
  let barrierRun = false;
  while (Atomics.load(ctrl, RESUMED) < epoch && Atomics.load(ctrl, STOP) === 0) {
    Atomics.add(status, index * 8 + HEARTBEAT, 1);
    if (!barrierRun && Atomics.load(ctrl, BARRIER) === epoch) {
      barrierRun = true;
      await barrierPhase(epoch);
    }
    await sleep(1);
  }
  setMode(MODE_RUN);
}

/** Blocks until barrier[slot] >= value; false if `ms` passed first. */
function awaitSlot(slot, value, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const seen = Atomics.load(barrier, slot);
    if (seen >= value) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    Atomics.wait(barrier, slot, seen, Math.min(left, 50));
  }
}

/**
 * The lost-wake-up probe, run at every pause: BARRIER_ROUNDS rounds on one group, each with a
 * single release. Thread 0 adds 1; every other thread registers an untimed waitSync() or wait();
 * thread 0 then marks done after a random delay, so that the release lands anywhere in their
 * register/read/park sequence. No later release can rescue a waiter that misses this one: it
 * would hang, and thread 0 reports it after 5 s. Each round reuses the group (legally: every
 * wait of the previous round has returned).
 */
async function barrierPhase(epoch) {
  const g = epoch % G;
  const followers = T - 1;
  if (index === 0) {
    for (let i = 1; i <= BARRIER_ROUNDS; i++) {
      wgs[g].add(1);
      Atomics.store(barrier, B_OPEN, i);
      Atomics.notify(barrier, B_OPEN);
      if (!awaitSlot(B_IN, followers * i, 5_000)) {
        violation(`barrier round ${i} on group ${g}: the other threads did not arrive`);
        return;
      }
      const delay = random();
      if (delay < 0.7) {
        let x = 0;
        for (let n = Math.floor(delay * 4000); n > 0; n--) x += n;
        void x;
      } else if (delay < 0.85) Atomics.wait(pause, 0, 0, random() * 0.05);
      Atomics.store(barrier, B_DONE, i);
      wgs[g].done();
      if (!awaitSlot(B_OUT, followers * i, 5_000)) {
        violation(
          `LOST WAKE-UP: barrier round ${i} on group ${g}: ${followers * i - Atomics.load(barrier, B_OUT)} untimed wait(s) ` +
            `not released 5 s after the round's only release (state ${Atomics.load(generations[g], 0).toString(16)}, wake ${Atomics.load(wakes[g], 0)})`,
        );
        return;
      }
      bump(STAT.barrierRounds);
    }
    Atomics.store(ctrl, BARRIER_DONE, epoch);
    Atomics.notify(ctrl, BARRIER_DONE);
  } else {
    for (let i = 1; i <= BARRIER_ROUNDS; i++) {
      if (!awaitSlot(B_OPEN, i, 10_000)) return;
      Atomics.add(barrier, B_IN, 1);
      Atomics.notify(barrier, B_IN);
      if (random() < 0.5) {
        enterWaitSync(g, false);
        wgs[g].waitSync();
        setMode(MODE_PAUSED);
      } else {
        await wgs[g].wait();
      }
      if (Atomics.load(barrier, B_DONE) < i) violation(`barrier round ${i} on group ${g}: a wait returned before the round's done()`);
      Atomics.add(barrier, B_OUT, 1);
      Atomics.notify(barrier, B_OUT);
    }
  }
}

let epochSeen = 0;
let step = 0;
while (Atomics.load(ctrl, STOP) === 0) {
  Atomics.add(status, index * 8 + HEARTBEAT, 1);
  const epoch = Atomics.load(ctrl, EPOCH);
  if (epoch !== epochSeen) {
    epochSeen = epoch;
    await pauseHere(epoch);
    continue;
  }
  bump(STAT.ops);
  const r = random();
  const g = pick(G);
  if (r < 0.22) add(g);
  else if (r < 0.55) {
    if (heldTotal > 0) {
      let h = pick(G);
      while (held[h] === 0) h = (h + 1) % G;
      done(h);
    }
  } else if (r < 0.77) asyncWait(g);
  else if (r < 0.93) syncWait(g);
  else if (r < 0.98) Atomics.wait(pause, 0, 0, random() * 0.2); // a task that takes a while
  else await sleep(random() < 0.5 ? 0 : 1);
  if (++step % 8 === 0) await macrotask(); // let wait() wake-ups and timers run
}
// Final: hand back every unit, let every wait settle.
await pauseHere(Number.MAX_SAFE_INTEGER);
setMode(MODE_PAUSED);
process.exitCode = violations.length === 0 ? 0 : 1;
