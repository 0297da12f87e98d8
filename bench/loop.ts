// `npm run bench:loop`: the two in-thread workloads whose targets are tightest, timed by a plain
// loop with process.hrtime instead of mitata, as a user's program would run them: each
// candidate's code compiled separately (fresh call sites), trials alternating A B C, A B C, ...,
// medians of the trials, in wall-clock time (process.hrtime) and in the process's CPU time
// (process.cpuUsage: steadier on a loaded machine, as it leaves out time the process was not
// running). A cross-check of the harness: if mitata's figures and these disagree,
// the harness hides a cost (see docs/benchmarks.md, "Checked by a plain loop").
import { WaitGroup as JpWaitGroup } from '@jpwilliams/waitgroup';
import { WaitGroup } from 'waitgroups';
import { fresh } from './lib.ts';
import { MinimalWaitGroup } from './minimal.ts';

const TRIALS = process.argv.includes('--quick') ? 3 : 9;

interface Counter {
  add(delta: number): void;
  done(): void;
  wait(): Promise<void>;
}

interface LoopCandidate {
  name: string;
  /** Runs the workload `n` times; resolves when done. */
  run: (n: number) => Promise<void>;
}

// Each factory is compiled anew per candidate (fresh), so no call site is shared.
const wakeBare = () => async (n: number) => {
  for (let i = 0; i < n; i++) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    resolve();
    await promise;
  }
};
const wakeGroup = (group: Counter) => async (n: number) => {
  for (let i = 0; i < n; i++) {
    group.add(1);
    const waiting = group.wait();
    group.done();
    await waiting;
  }
};
const fanOutAll = () => async (n: number) => {
  for (let r = 0; r < n; r++) {
    const tasks = new Array<Promise<void>>(1000);
    for (let i = 0; i < 1000; i++) tasks[i] = (async () => void (await null))();
    await Promise.all(tasks);
  }
};
const fanOutGroup = (create: () => Counter) => async (n: number) => {
  for (let r = 0; r < n; r++) {
    const wg = create();
    wg.add(1000);
    for (let i = 0; i < 1000; i++) {
      void (async () => {
        await null;
        wg.done();
      })();
    }
    await wg.wait();
  }
};

const groups: [string, () => Counter][] = [
  ['waitgroups WaitGroup', () => new WaitGroup()],
  ['@jpwilliams/waitgroup', () => new JpWaitGroup()],
  ['minimal baseline', () => new MinimalWaitGroup()],
];

async function compare(title: string, unit: string, iterations: number, candidates: LoopCandidate[]): Promise<void> {
  const times = candidates.map(() => [] as number[]);
  const cpuTimes = candidates.map(() => [] as number[]);
  for (const candidate of candidates) await candidate.run(iterations); // warm-up
  for (let trial = 0; trial < TRIALS; trial++) {
    for (const [i, candidate] of candidates.entries()) {
      const start = process.hrtime.bigint();
      const cpuStart = process.cpuUsage();
      await candidate.run(iterations);
      const wall = Number(process.hrtime.bigint() - start) / iterations;
      const cpu = process.cpuUsage(cpuStart);
      times[i]!.push(wall);
      cpuTimes[i]!.push(((cpu.user + cpu.system) * 1000) / iterations);
    }
  }
  const median = (list: number[]) => list.sort((a, b) => a - b)[list.length >> 1]!;
  const walls = times.map(median);
  const cpus = cpuTimes.map(median);
  console.log(`\n### ${title} (plain loop, ${TRIALS} alternating trials of ${iterations.toLocaleString('en')})\n`);
  console.log(`| candidate | median ${unit} (hrtime) | ratio | median ${unit} (CPU time) | ratio |`);
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [i, candidate] of candidates.entries()) {
    console.log(
      `| ${candidate.name} | ${walls[i]!.toFixed(1)} | ${(walls[i]! / walls[0]!).toFixed(2)}× | ${cpus[i]!.toFixed(1)} | ${(cpus[i]! / cpus[0]!).toFixed(2)}× |`,
    );
  }
}

await compare('one-waiter wake path: add(1), wait(), done(), await', 'ns', 200_000, [
  { name: 'bare promise resolve', run: fresh(wakeBare)() },
  ...groups.map(([name, create]) => ({ name, run: fresh(wakeGroup)(create()) })),
]);
await compare('fan-out/fan-in, add(1000), 1,000 tasks `await null; done()`', 'ns per fan-out', 300, [
  { name: 'Promise.all', run: fresh(fanOutAll)() },
  ...groups.map(([name, create]) => ({ name, run: fresh(fanOutGroup)(create) })),
]);
