// In-thread workloads: WaitGroup against Promise.all, a bare promise, the 10-line minimal
// baseline and the WaitGroups of npm (bench/peers.ts), all in this one process.
import { WaitGroup } from 'waitgroups';
import { instances, peers, type Counter } from './peers.ts';
import { fresh, quick, record, target, workload, type Candidate } from './lib.ts';

async function task(): Promise<void> {
  await null;
}

// ---------------------------------------------------------------------------------------
// Fan-out/fan-in: N tasks, each `await null` then done; one wait for all.

const fanOutPromiseAll = (task: () => Promise<void>, n: number) => async () => {
  const tasks = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) tasks[i] = task();
  await Promise.all(tasks);
};
const fanOutCounter = (create: () => Counter, n: number) => async () => {
  const wg = create();
  for (let i = 0; i < n; i++) {
    wg.add(1);
    void (async () => {
      await null;
      wg.done();
    })();
  }
  await wg.wait();
};
const fanOutGo = (WaitGroupClass: typeof WaitGroup, task: () => Promise<void>, n: number) => async () => {
  const wg = new WaitGroupClass();
  for (let i = 0; i < n; i++) void wg.go(task);
  await wg.wait();
};

function fanOut(n: number): Candidate[] {
  return [
    { name: 'Promise.all', fn: fresh(fanOutPromiseAll)(task, n) },
    { name: 'waitgroups go()', fn: fresh(fanOutGo)(WaitGroup, task, n) },
    ...peers.map((peer) => ({ name: peer.name, fn: fresh(fanOutCounter)(peer.create, n) })),
  ];
}

const fan1k = await workload('fan-out/fan-in, N = 1,000 tasks', fanOut(1_000));
const ours = (rows: typeof fan1k, name = 'waitgroups WaitGroup') => rows.find((row) => row.name === name)!;
target('fan-out N=1,000: WaitGroup ≤ 0.75× Promise.all', ours(fan1k).ratio, 0.75);
target('fan-out N=1,000: WaitGroup ≤ 1.15× minimal baseline', ours(fan1k).median / ours(fan1k, 'minimal baseline').median, 1.15);
target('fan-out N=1,000: WaitGroup ≤ 0.97× @jpwilliams/waitgroup', ours(fan1k).median / ours(fan1k, '@jpwilliams/waitgroup').median, 0.97);
// The big fan-outs take 0.1 to 2 s a sample: fewer samples, and in --quick (a smoke run that
// only checks that every workload runs) smaller N, which the titles show.
for (const n of quick ? [2_000, 5_000] : [100_000, 1_000_000]) {
  await workload(`fan-out/fan-in, N = ${n.toLocaleString('en')} tasks`, fanOut(n), { rounds: quick ? 1 : 3, maxSamples: n > 100_000 ? 12 : 50 });
}

// ---------------------------------------------------------------------------------------
// add/done pairs: 1,024 per iteration, deltas read from memory so the JIT cannot fold them.

const pairsLoop = (group: Counter, ones: Int32Array) => () => {
  for (let i = 0; i < 1024; i++) {
    group.add(ones[i]!);
    group.done();
  }
};
const ones = new Int32Array(1024).fill(1);

function pairs(base: number): Candidate[] {
  return peers.map((peer) => {
    const group = peer.create();
    if (base > 0) group.add(base);
    return { name: peer.name, fn: fresh(pairsLoop)(group, ones) };
  });
}
const minimalFirst = (candidates: Candidate[]) => [candidates[1]!, candidates[0]!, ...candidates.slice(2)];

const above = await workload('1,024 × (add(1) + done()), counter stays above zero', minimalFirst(pairs(1)));
target('add/done pair ≤ 1.5× minimal baseline', ours(above).ratio, 1.5);
await workload('1,024 × (add(1) + done()), crossing zero each time (no waiter)', minimalFirst(pairs(0)));

// ---------------------------------------------------------------------------------------
// The one-waiter wake path: wait(), done(), await.

// 100 wakes per measured call, reported per wake (see `perIteration` in lib.ts).
const WAKES = 100;
const wakeBare = (n: number) => async () => {
  for (let i = 0; i < n; i++) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    resolve();
    await promise;
  }
};
const wakeCounter = (group: Counter, n: number) => async () => {
  for (let i = 0; i < n; i++) {
    group.add(1);
    const waiting = group.wait();
    group.done();
    await waiting;
  }
};
const wake = await workload(
  'one-waiter wake path: add(1), wait(), done(), await',
  [
    { name: 'bare promise resolve', fn: fresh(wakeBare)(WAKES) },
    ...peers.map((peer) => ({ name: peer.name, fn: fresh(wakeCounter)(peer.create(), WAKES) })),
  ],
  { perIteration: WAKES },
);
target('wake path ≤ 1.10× a bare promise resolve', ours(wake).ratio, 1.1);
target('wake path: WaitGroup ahead of @jpwilliams/waitgroup', ours(wake).median / ours(wake, '@jpwilliams/waitgroup').median, 0.999);

// ---------------------------------------------------------------------------------------
// 1,000 waiters released by one done().

const manyWaiters = (group: Counter) => async () => {
  group.add(1);
  const waits = new Array<Promise<void>>(1000);
  for (let i = 0; i < 1000; i++) waits[i] = group.wait();
  group.done();
  await Promise.all(waits);
};
await workload(
  '1,000 waiters released by one done()',
  minimalFirst(peers.map((peer) => ({ name: peer.name, fn: fresh(manyWaiters)(peer.create()) }))),
);

// ---------------------------------------------------------------------------------------
// Heap bytes per instance: 1e6 instances (1e5 in --quick) held in a preallocated array.

function bytesPerInstance(make: () => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench does)');
  const n = quick ? 100_000 : 1_000_000;
  const held = new Array<unknown>(n).fill(null);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) held[i] = make();
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / n;
  for (const instance of held) release(instance);
  held.fill(null);
  return bytes;
}

/** Lets the waiter of a "one pending waiter" instance go: a pending wait at exit is a deadlock. */
function release(instance: unknown): void {
  const group = instance as { count?: number; remainingCount?: number; current?: number; done?(): void; signal?(): void };
  if ((group.count ?? group.current ?? 0) > 0) group.done?.();
  else if ((group.remainingCount ?? 0) > 0) group.signal?.();
}

const heap = instances.map((instance) => ({
  name: instance.name,
  idle: bytesPerInstance(instance.idle),
  waiting: bytesPerInstance(instance.waiting),
}));
for (const [workload, key] of [
  ['heap bytes per idle instance', 'idle'],
  ['heap bytes per instance with one pending waiter', 'waiting'],
] as const) {
  console.log(`\n### ${workload}\n\n| library | bytes |\n| --- | ---: |`);
  for (const row of heap) {
    console.log(`| ${row.name} | ${row[key].toFixed(1)} |`);
    record({ workload, name: row.name, median: row[key], p99: row[key], ratio: 1, baseline: 'bytes', unit: 'B' });
  }
}
target('heap per idle WaitGroup ≤ 56 bytes', heap[0]!.idle, 56, ' B');
const bestPeer = Math.min(...heap.slice(2).map((row) => row.idle));
target('heap per idle WaitGroup below the best npm peer', heap[0]!.idle / bestPeer, 0.999);

// ---------------------------------------------------------------------------------------
// Debug mode: what it costs when on, and that it costs nothing when off. Last in this file:
// once a debug group exists, other groups pay a lookup per add/done.

/** Heap bytes allocated per call of `fn`, over 200,000 calls, with no collection between. */
function bytesPerCall(fn: () => void): number {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const n = 200_000;
  for (let i = 0; i < 50_000; i++) fn(); // warm up, so that the JIT's own allocations are done
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) fn();
  const bytes = (process.memoryUsage().heapUsed - before) / n;
  gc();
  return Math.max(0, bytes);
}

const plainOff = new WaitGroup();
plainOff.add(1);
const offBytes = bytesPerCall(() => {
  plainOff.add(1);
  plainOff.done();
});
const offWorkload = await workload('1,024 × (add(1) + done()), debug off (before any debug group exists)', [
  { name: 'minimal baseline', fn: fresh(pairsLoop)(peers[1]!.create(), ones) },
  { name: 'waitgroups WaitGroup', fn: fresh(pairsLoop)(plainOff, ones) },
]);
const debugOn = new WaitGroup({ debug: true });
debugOn.add(1);
const onBytes = bytesPerCall(() => {
  debugOn.add(1);
  debugOn.done();
});
const afterBytes = bytesPerCall(() => {
  plainOff.add(1);
  plainOff.done();
});
const withDebug = await workload('1,024 × (add(1) + done()), once a debug group exists', [
  { name: 'minimal baseline', fn: fresh(pairsLoop)(peers[1]!.create(), ones) },
  { name: 'waitgroups WaitGroup, debug off', fn: fresh(pairsLoop)(plainOff, ones) },
  { name: 'waitgroups WaitGroup, debug on', fn: fresh(pairsLoop)(debugOn, ones) },
]);
console.log('\n### heap bytes allocated per add(1) + done()\n');
console.log('| group | bytes |\n| --- | ---: |');
for (const [name, bytes] of [
  ['debug off', offBytes],
  ['debug off, once a debug group exists', afterBytes],
  ['debug on', onBytes],
] as const) {
  console.log(`| ${name} | ${bytes.toFixed(1)} |`);
  record({ workload: 'heap bytes allocated per add(1) + done()', name, median: bytes, p99: bytes, ratio: 1, baseline: 'bytes', unit: 'B' });
}
target('debug off allocates nothing per add/done pair', Math.max(offBytes, afterBytes), 0.5, ' B');
target('debug off: add/done pair ≤ 1.5× minimal baseline', offWorkload[1]!.ratio, 1.5);
target('debug off, once a debug group exists: add/done pair ≤ 1.5× minimal baseline', withDebug[1]!.ratio, 1.5);
