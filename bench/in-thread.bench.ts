// In-thread WaitGroup against Promise.all, the 10-line minimal baseline and a bare promise.
import { WaitGroup } from 'waitgroups';
import { MinimalWaitGroup } from './minimal.ts';
import { quick, record, target, workload } from './lib.ts';

async function task(): Promise<void> {
  await null;
}

function fanOut(n: number) {
  return [
    {
      name: 'Promise.all',
      fn: async () => {
        const tasks = new Array<Promise<void>>(n);
        for (let i = 0; i < n; i++) tasks[i] = task();
        await Promise.all(tasks);
      },
    },
    {
      name: 'minimal baseline',
      fn: async () => {
        const wg = new MinimalWaitGroup();
        for (let i = 0; i < n; i++) {
          wg.add(1);
          void (async () => {
            await null;
            wg.done();
          })();
        }
        await wg.wait();
      },
    },
    {
      name: 'WaitGroup add/done',
      fn: async () => {
        const wg = new WaitGroup();
        for (let i = 0; i < n; i++) {
          wg.add(1);
          void (async () => {
            await null;
            wg.done();
          })();
        }
        await wg.wait();
      },
    },
    {
      name: 'WaitGroup go',
      fn: async () => {
        const wg = new WaitGroup();
        for (let i = 0; i < n; i++) void wg.go(task);
        await wg.wait();
      },
    },
  ];
}

const fan1k = await workload('fan-out/fan-in, N = 1,000 tasks (await null; done())', fanOut(1_000));
target('fan-out N=1,000: WaitGroup ≤ 0.75× Promise.all', fan1k[2]!.ratio, 0.75);
target('fan-out N=1,000: WaitGroup ≤ 1.15× minimal baseline', fan1k[2]!.median / fan1k[1]!.median, 1.15);
await workload('fan-out/fan-in, N = 100,000 tasks', fanOut(100_000), quick ? 1 : 3);

// 1,024 pairs per iteration, with deltas read from memory so that the JIT cannot fold the
// literal away. Each candidate has its own loop: one shared loop would make its call sites
// polymorphic and favour whichever candidate the JIT saw first.
const ones = new Int32Array(1024).fill(1);
const minimal = new MinimalWaitGroup();
const ours = new WaitGroup();
const pairCandidates = () => [
  {
    name: 'minimal baseline',
    fn: () => {
      for (let i = 0; i < 1024; i++) {
        minimal.add(ones[i]!);
        minimal.done();
      }
    },
  },
  {
    name: 'WaitGroup',
    fn: () => {
      for (let i = 0; i < 1024; i++) {
        ours.add(ones[i]!);
        ours.done();
      }
    },
  },
];
minimal.add(1);
ours.add(1);
const pairsAbove = await workload('1,024 × (add(1) + done()), counter stays above zero', pairCandidates());
target('add/done pair ≤ 1.5× minimal baseline', pairsAbove[1]!.ratio, 1.5);
minimal.done();
ours.done();
await workload('1,024 × (add(1) + done()), crossing zero each time (no waiter)', pairCandidates());

const wake = await workload('one-waiter wake path: wait(), done(), await', [
  {
    name: 'bare promise resolve',
    fn: async () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      resolve();
      await promise;
    },
  },
  {
    name: 'minimal baseline',
    fn: async () => {
      minimal.add(1);
      const waiting = minimal.wait();
      minimal.done();
      await waiting;
    },
  },
  {
    name: 'WaitGroup',
    fn: async () => {
      ours.add(1);
      const waiting = ours.wait();
      ours.done();
      await waiting;
    },
  },
]);
target('wake path ≤ 1.15× a bare promise resolve', wake[2]!.ratio, 1.15);

await workload('1,000 waiters released by one done()', [
  {
    name: 'minimal baseline',
    fn: async () => {
      minimal.add(1);
      const waits = new Array<Promise<void>>(1000);
      for (let i = 0; i < 1000; i++) waits[i] = minimal.wait();
      minimal.done();
      await Promise.all(waits);
    },
  },
  {
    name: 'WaitGroup',
    fn: async () => {
      ours.add(1);
      const waits = new Array<Promise<void>>(1000);
      for (let i = 0; i < 1000; i++) waits[i] = ours.wait();
      ours.done();
      await Promise.all(waits);
    },
  },
]);

/** Heap bytes per instance: 1e6 instances (1e5 in quick mode) held in a preallocated array. */
function bytesPerInstance(make: () => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench does)');
  const n = quick ? 100_000 : 1_000_000;
  const held = new Array<unknown>(n).fill(null);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) held[i] = make();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (held.length !== n) throw new Error('unreachable');
  return (after - before) / n;
}

console.log('\n### heap bytes per instance\n');
console.log('| instance | bytes |');
console.log('| --- | ---: |');
const memory: [string, () => unknown][] = [
  ['minimal baseline, idle', () => new MinimalWaitGroup()],
  ['WaitGroup, idle', () => new WaitGroup()],
  [
    'WaitGroup, one pending waiter',
    () => {
      const wg = new WaitGroup();
      wg.add(1);
      void wg.wait();
      return wg;
    },
  ],
];
const bytes: Record<string, number> = {};
for (const [name, make] of memory) {
  bytes[name] = bytesPerInstance(make);
  console.log(`| ${name} | ${bytes[name]!.toFixed(1)} |`);
  record({ workload: 'heap bytes per instance', name, median: bytes[name]!, p99: bytes[name]!, ratio: 1, baseline: 'bytes' });
}
target('heap per idle WaitGroup ≤ 56 bytes', bytes['WaitGroup, idle']!, 56, ' B');
