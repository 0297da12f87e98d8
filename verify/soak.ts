// Soak test of SharedWaitGroup: `npm run build`, then
//   node --import tsx verify/soak.ts --minutes N [--groups 4] [--threads T] [--pause-every 20]
// 2 × os.availableParallelism() worker threads (verify/soak-worker.mjs) do random
// add/done/wait/waitSync, with random timeouts and aborts, on a handful of shared groups. Not part
// of `npm test`; exits non-zero on any violation or hang.
//
// Checked continuously, in the workers (see soak-worker.mjs):
// - never early: a wait that returns normally finds every task added before it began done;
// - no misuse error, no negative counter, no unexpected error (the workload is legal);
// - ERR_WAITGROUP_REUSED only from waitSync, and only if a round was opened after it began;
// - a timeout never fires before its time; an abort rejects with the signal's reason.
// Checked continuously, here, from the raw shared memory (the layout of docs/design.md):
// - the wake word counts releases: it is never ahead of the generation, and behind it by at most
//   the number of threads (releases whose bump has not landed yet);
// - the counter is never negative (no refused call exists in a legal workload);
// - no lost wake-up: a waitSync still blocked 2 s after a release of its group that came at
//   least 0.5 s into the call (by then it has registered, so that release was its round's) is
//   reported, with every thread's state and the units each holds;
// - no hang: every thread's heartbeat moves at least every pause interval + 15 s (an untimed
//   waitSync may legitimately block until the next pause drains every counter).
// Checked at every pause (every --pause-every seconds, and at the end), when every thread has
// handed back its units and every one of its waits has settled (a hang if not within 15 s):
// - every group's state word is exactly counter 0, waiters 0 (no leaked registration);
// - every group's wake word equals its generation modulo 2^16 (one bump per release, no stray);
// - tasks started = tasks finished, no done() in flight.
// Then, at every pause, the lost-wake-up probe (soak-worker.mjs, barrierPhase): 250 rounds on one
// group, each with exactly one release racing T-1 untimed waits (no later release can rescue a
// waiter that misses it, so a lost wake-up hangs and is reported after 5 s), and the checks
// above once more. With a seeded lost wake-up in dist/ (the state read before the wake word in
// waitSync) the probe reported it within the first minute.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`--${name} needs a positive number`);
  return value;
}

const minutes = option('minutes', 1);
const G = option('groups', 4);
const T = option('threads', 2 * os.availableParallelism());
const pauseEverySeconds = option('pause-every', 20);
const HANG_MS = 15_000;
const STALL_MS = pauseEverySeconds * 1000 + HANG_MS;
const LOST_WAKEUP_MS = 2_000;

const BYTE_LENGTH = 16;
const buffer = new SharedArrayBuffer(G * BYTE_LENGTH);
const states = Array.from({ length: G }, (_, g) => new BigInt64Array(buffer, g * BYTE_LENGTH, 1));
const wakes = Array.from({ length: G }, (_, g) => new Int32Array(buffer, g * BYTE_LENGTH + 8, 1));
const ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
const groupCtrl = new Int32Array(new SharedArrayBuffer(G * 8 * 4));
const status = new Int32Array(new SharedArrayBuffer(T * 8 * 4));
const callStart = new Float64Array(new SharedArrayBuffer(T * 8));
const heldShared = new Int32Array(new SharedArrayBuffer(T * G * 4));
const STATS = 16;
const stats = new Float64Array(new SharedArrayBuffer(T * STATS * 8));
const STOP = 0, EPOCH = 1, PAUSED = 2, RESUMED = 3, VIOLATIONS = 4, BARRIER = 5, BARRIER_DONE = 6;
const barrier = new Int32Array(new SharedArrayBuffer(8 * 4));
const STARTED = 0, FINISHED = 1, INFLIGHT = 3;
const STAT_NAMES = [
  'ops', 'adds', 'dones', 'asyncWaits', 'syncWaits', 'released', 'releasedAfterWaiting',
  'timeouts', 'aborts', 'reused', 'barrierRounds', 'doneBackoffs', 'openSkips', 'pauses',
] as const;
const MODES = ['running', 'in waitSync', 'pausing', 'paused'];

const problems: string[] = [];
function problem(message: string): void {
  problems.push(message);
  console.error(`VIOLATION: ${message}`);
}

function decode(g: number): { counter: number; waiters: number; generation: number; wake: number } {
  const s = Atomics.load(states[g]!, 0);
  return {
    counter: Number(s >> 32n),
    waiters: Number((s >> 16n) & 0xffffn),
    generation: Number(s & 0xffffn),
    wake: Atomics.load(wakes[g]!, 0),
  };
}

function describeAll(): string {
  const lines: string[] = [];
  for (let g = 0; g < G; g++) {
    const d = decode(g);
    lines.push(
      `  group ${g}: counter ${d.counter}, waiters ${d.waiters}, generation ${d.generation}, wake ${d.wake}, ` +
        `started ${groupCtrl[g * 8 + STARTED]}, finished ${groupCtrl[g * 8 + FINISHED]}, in-flight done ${groupCtrl[g * 8 + INFLIGHT]}`,
    );
  }
  for (let t = 0; t < T; t++) {
    const mode = status[t * 8 + 1]!;
    const held = Array.from({ length: G }, (_, g) => heldShared[t * G + g]).join('/');
    const call =
      mode === 1
        ? ` (group ${status[t * 8 + 2]}, ${status[t * 8 + 3] ? 'timed' : 'untimed'}, for ${Date.now() - callStart[t]!} ms, ` +
          `wake word ${status[t * 8 + 5]} at the call, ${Atomics.load(wakes[status[t * 8 + 2]!]!, 0)} now)`
        : '';
    lines.push(`  thread ${t}: ${MODES[mode] ?? '?'}${call}, holds ${held} units (per group), heartbeat ${status[t * 8]}`);
  }
  return lines.join('\n');
}

function total(name: (typeof STAT_NAMES)[number]): number {
  const k = STAT_NAMES.indexOf(name);
  let sum = 0;
  for (let t = 0; t < T; t++) sum += stats[t * STATS + k]!;
  return sum;
}

let samples = 0;
/** The wake word and the generation, read as wake, state, wake: the state read is between. */
function sample(): void {
  samples++;
  for (let g = 0; g < G; g++) {
    const w1 = Atomics.load(wakes[g]!, 0);
    const s = Atomics.load(states[g]!, 0);
    const w2 = Atomics.load(wakes[g]!, 0);
    const generation = Number(s & 0xffffn);
    const counter = Number(s >> 32n);
    const ahead = (w1 - generation) & 0xffff; // wake at the state read >= w1: it must not be ahead
    const behind = (generation - w2) << 16 >> 16; // and <= w2: behind by at most T
    if (ahead !== 0 && ahead < 0x8000) problem(`group ${g}: wake word ${w1} ahead of generation ${generation}`);
    if (behind > T) problem(`group ${g}: generation ${generation} ahead of wake word ${w2} by ${behind} (> ${T} releases in flight)`);
    if (counter < 0) problem(`group ${g}: counter ${counter} < 0 in a legal workload`);
  }
}

function checkQuiescent(when: string): void {
  for (let g = 0; g < G; g++) {
    const d = decode(g);
    if (d.counter !== 0 || d.waiters !== 0) problem(`${when}: group ${g} not idle: counter ${d.counter}, waiters ${d.waiters}`);
    if ((d.wake & 0xffff) !== d.generation) problem(`${when}: group ${g}: wake word ${d.wake} != generation ${d.generation} (mod 2^16)`);
    const started = Atomics.load(groupCtrl, g * 8 + STARTED);
    const finished = Atomics.load(groupCtrl, g * 8 + FINISHED);
    if (started !== finished) problem(`${when}: group ${g}: ${started} tasks started, ${finished} finished`);
    if (Atomics.load(groupCtrl, g * 8 + INFLIGHT) !== 0) problem(`${when}: group ${g}: done() in flight`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const lastBeat = new Array<number>(T).fill(-1);
const lastBeatAt = new Array<number>(T).fill(Date.now());
// Per thread: the waitSync call being watched, the wake word 0.5 s into it, and when a release
// after that was seen.
const watchedCall = new Array<number>(T).fill(-1);
const baseline = new Array<number | undefined>(T).fill(undefined);
const releasedSeenAt = new Array<number>(T).fill(0);
let lastCheckAt = Date.now();
function checkHeartbeats(): boolean {
  const now = Date.now();
  if (now - lastCheckAt > 2_000) {
    // This loop itself was held up (the machine is overloaded): restart every clock.
    for (let t = 0; t < T; t++) {
      lastBeatAt[t] = now;
      releasedSeenAt[t] = 0;
      baseline[t] = undefined;
      watchedCall[t] = -1;
    }
  }
  lastCheckAt = now;
  for (let t = 0; t < T; t++) {
    const beat = Atomics.load(status, t * 8);
    if (beat !== lastBeat[t]) {
      lastBeat[t] = beat;
      lastBeatAt[t] = now;
    } else if (now - lastBeatAt[t]! > STALL_MS) {
      problem(`HANG: thread ${t} has not moved for ${now - lastBeatAt[t]!} ms\n${describeAll()}`);
      return false;
    }
    // Lost wake-up: a waitSync whose group has released twice since the call began.
    const call = Atomics.load(status, t * 8 + 4);
    if (Atomics.load(status, t * 8 + 1) !== 1) {
      watchedCall[t] = -1;
      continue;
    }
    if (call !== watchedCall[t]) {
      watchedCall[t] = call;
      baseline[t] = undefined;
      releasedSeenAt[t] = 0;
    }
    const g = Atomics.load(status, t * 8 + 2);
    const wake = Atomics.load(wakes[g]!, 0);
    if (baseline[t] === undefined) {
      if (now - callStart[t]! >= 500) baseline[t] = wake;
      continue;
    }
    if (releasedSeenAt[t] === 0 && wake !== baseline[t]) releasedSeenAt[t] = now;
    if (releasedSeenAt[t]! !== 0 && now - releasedSeenAt[t]! > LOST_WAKEUP_MS && Atomics.load(status, t * 8 + 4) === call) {
      problem(
        `LOST WAKE-UP? thread ${t}'s waitSync on group ${g} is still blocked ${now - releasedSeenAt[t]!} ms after a release ` +
          `of its group that came ${Math.round(releasedSeenAt[t]! - callStart[t]!)} ms into the call\n${describeAll()}`,
      );
      return false;
    }
  }
  return true;
}

async function until(condition: () => boolean, what: string): Promise<boolean> {
  const deadline = Date.now() + HANG_MS;
  while (!condition()) {
    if (Date.now() > deadline) {
      problem(`HANG: ${what} not reached within ${HANG_MS} ms\n${describeAll()}`);
      return false;
    }
    sample();
    await sleep(5);
  }
  return true;
}

const workerUrl = new URL('./soak-worker.mjs', import.meta.url);
const exits: Promise<number>[] = [];
const workers: Worker[] = [];
const seed = Date.now() >>> 0;
for (let t = 0; t < T; t++) {
  const worker = new Worker(workerUrl, {
    workerData: { buffer, groups: G, ctrl, groupCtrl, barrier, status, callStart, heldShared, stats, index: t, seed: seed + t * 7919, threads: T },
  });
  workers.push(worker);
  exits.push(
    new Promise((resolve) => {
      worker.on('error', (error) => {
        problem(`thread ${t} crashed: ${error.stack ?? String(error)}`);
        resolve(1);
      });
      worker.on('exit', (code) => resolve(code));
    }),
  );
}

console.log(
  `soak: ${T} threads (2 × availableParallelism ${os.availableParallelism()}), ${G} groups, ${minutes} min, ` +
    `seed ${seed}; Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu?'}, ${os.platform()} ${os.release()}`,
);
const started = performance.now();
const endAt = started + minutes * 60_000;
let nextPause = started + pauseEverySeconds * 1000;
let nextReport = started + 30_000;
let pauses = 0;
let ok = true;
let lastOps = 0;
let lastReportAt = started;
while (ok && performance.now() < endAt && problems.length === 0) {
  await sleep(20);
  sample();
  ok = checkHeartbeats();
  if (!ok) break;
  const now = performance.now();
  if (now >= nextPause) {
    Atomics.store(ctrl, PAUSED, 0);
    const epoch = Atomics.add(ctrl, EPOCH, 1) + 1;
    ok = await until(() => Atomics.load(ctrl, PAUSED) === T, `pause ${epoch} (every thread's units done, every wait settled)`);
    if (!ok) break;
    checkQuiescent(`pause ${epoch}`);
    // The lost-wake-up probe (soak-worker.mjs, barrierPhase): single-release rounds, then idle again.
    barrier.fill(0);
    Atomics.store(ctrl, BARRIER, epoch);
    ok = await until(() => Atomics.load(ctrl, BARRIER_DONE) === epoch || Atomics.load(ctrl, VIOLATIONS) !== 0, `barrier probe ${epoch}`);
    if (!ok || Atomics.load(ctrl, VIOLATIONS) !== 0) break;
    checkQuiescent(`after barrier probe ${epoch}`);
    pauses++;
    Atomics.store(ctrl, RESUMED, epoch);
    nextPause = performance.now() + pauseEverySeconds * 1000;
    for (let t = 0; t < T; t++) lastBeatAt[t] = Date.now();
    lastCheckAt = Date.now();
  }
  if (now >= nextReport) {
    const ops = total('ops');
    console.log(
      `  ${((now - started) / 60_000).toFixed(1)} min: ${Math.round(((ops - lastOps) * 1000) / (now - lastReportAt))} ops/s, ` +
        `${pauses} quiescent checks, ${samples} samples, violations ${Atomics.load(ctrl, VIOLATIONS) + problems.length}`,
    );
    lastOps = ops;
    lastReportAt = now;
    nextReport = now + 30_000;
  }
}

Atomics.store(ctrl, STOP, 1);
const finishing = Promise.all(exits);
const finished = await Promise.race([finishing, sleep(HANG_MS * 2).then(() => null)]);
const elapsed = (performance.now() - started) / 1000;
if (finished === null) {
  problem(`HANG: threads did not finish within ${HANG_MS * 2} ms of the stop\n${describeAll()}`);
  await Promise.all(workers.map((worker) => worker.terminate()));
} else {
  if (finished.some((code) => code !== 0)) problem(`a thread exited with a non-zero code: ${finished.join(', ')}`);
  checkQuiescent('end');
}

let releases = 0;
for (let g = 0; g < G; g++) releases += Atomics.load(wakes[g]!, 0) >>> 0;
const ops = total('ops');
const calls = total('adds') + total('dones') + total('asyncWaits') + total('syncWaits');
const perSecond = (n: number): string => Math.round(n / elapsed).toLocaleString('en-US');
const workerViolations = Atomics.load(ctrl, VIOLATIONS);
console.log(`\nsoak summary (${elapsed.toFixed(1)} s, ${T} threads, ${G} groups):`);
console.log(`  loop steps            ${ops.toLocaleString('en-US')} (${perSecond(ops)}/s)`);
console.log(`  API calls             ${calls.toLocaleString('en-US')} (${perSecond(calls)}/s): add ${total('adds')}, done ${total('dones')}, wait ${total('asyncWaits')}, waitSync ${total('syncWaits')}`);
console.log(`  releases (wake-ups)   ${releases.toLocaleString('en-US')} (${perSecond(releases)}/s): each bumps the wake word once and notifies every parked thread`);
console.log(`  waits released        ${total('released')} (${perSecond(total('released'))}/s), of which woken by a release (the generation moved during the call) ${total('releasedAfterWaiting')} (${perSecond(total('releasedAfterWaiting'))}/s)`);
console.log(`  gave up               timeouts ${total('timeouts')}, aborts ${total('aborts')}; ERR_WAITGROUP_REUSED (genuine reuse) ${total('reused')}`);
console.log(`  checks                ${samples} raw-memory samples, ${pauses} quiescent checks + the final one`);
console.log(`  lost-wake-up probe    ${total('barrierRounds')} single-release rounds, each racing ${T - 1} untimed waits`);
console.log(`  violations            ${workerViolations + problems.length}`);
process.exitCode = workerViolations + problems.length === 0 ? 0 : 1;
