// SharedWaitGroup across threads: the targets, each a ratio measured in this same run.
//   node --expose-gc --import tsx bench/shared.bench.ts [--quick]     (or: npm run bench -- shared)
// Cross-thread figures are measured by hand (one-way latencies with process.hrtime.bigint(),
// which all threads of a process share; wall times of fixed amounts of work) and recorded under
// the same tables as mitata's.
import { Worker } from 'node:worker_threads';
import { SharedWaitGroup } from 'waitgroups';
import { formatNs, printTable, quick, record, target, workload, type Row } from './lib.ts';

// ---- the worker side: plain JavaScript (a worker cannot load .ts here), importing the package ----

const packageUrl = import.meta.resolve('waitgroups');
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
import(${JSON.stringify(packageUrl)}).then(({ SharedWaitGroup }) => {
  const d = workerData;
  const attach = (g) => new SharedWaitGroup(g.buffer, g.byteOffset);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const now = () => process.hrtime.bigint();

  if (d.role === 'latency') {
    // ctrl: [0] sample sequence (negative: stop), [1] mode, [2] raw word. stamp[0]: time of the release.
    const wg = attach(d.group);
    const { ctrl, stamp } = d;
    parentPort.postMessage('ready');
    for (let seq = 0; ; ) {
      while (Atomics.load(ctrl, 0) === seq) Atomics.wait(ctrl, 0, seq);
      seq = Atomics.load(ctrl, 0);
      if (seq < 0) break;
      const mode = Atomics.load(ctrl, 1);
      Atomics.wait(nap, 0, 0, d.delayMs); // long enough for main to be asleep, as in real use
      stamp[0] = now();
      if (mode === 0) wg.done();
      else if (mode === 1) { Atomics.store(ctrl, 2, 1); Atomics.notify(ctrl, 2, 1); }
      else parentPort.postMessage(0);
    }
    return;
  }

  if (d.role === 'fan-in') {
    // ctrl: [0] start (round number), [1] stop. Each completion: one done() or one postMessage.
    const wg = attach(d.group);
    const { ctrl } = d;
    parentPort.postMessage('ready');
    for (let round = 1; ; round++) {
      while (Atomics.load(ctrl, 0) < round && Atomics.load(ctrl, 1) === 0) Atomics.wait(ctrl, 0, round - 1, 50);
      if (Atomics.load(ctrl, 1) !== 0) break;
      if (d.mode === 'done') for (let i = 0; i < d.n; i++) wg.done();
      else for (let i = 0; i < d.n; i++) parentPort.postMessage(1);
    }
    return;
  }

  if (d.role === 'go-shape') {
    // Go's b.RunParallel shapes: spin until ctrl[0] is set, run n iterations, write the end time.
    const { ctrl, ends, index, n } = d;
    const own = d.group ? attach(d.group) : null;
    const i32 = d.raw;
    const run = (count) => {
      switch (d.shape) {
        case 'Uncontended': for (let i = 0; i < count; i++) { own.add(1); own.done(); own.waitSync(); } break;
        case 'AddDone': for (let i = 0; i < count; i++) { own.add(1); own.done(); } break;
        case 'raw AddDone': for (let i = 0; i < count; i++) { Atomics.add(i32, 0, 1); Atomics.sub(i32, 0, 1); } break;
        case 'Wait': for (let i = 0; i < count; i++) own.waitSync(); break;
      }
    };
    run(Math.min(n, 200000)); // warm up the JIT
    Atomics.add(ctrl, 1, 1);
    while (Atomics.load(ctrl, 0) === 0);
    run(n);
    ends[index] = now();
    Atomics.add(ctrl, 2, 1);
    return;
  }

  if (d.role === 'actually-wait-helper') {
    // The goroutine of Go's ActuallyWait, kept hot: ctrl[0] is the slot of a new group to done().
    const { ctrl, buffer } = d;
    for (let served = 0; ; ) {
      let slot;
      while ((slot = Atomics.load(ctrl, 0)) === served);
      if (slot < 0) break;
      new SharedWaitGroup(buffer, slot * 16).done();
      served = slot;
    }
  }
});
`;

function startWorker(workerData: unknown): Worker {
  return new Worker(workerSource, { eval: true, workerData });
}

function readyOf(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function row(workload: string, name: string, samples: number[], baseline: string): Row {
  const sorted = samples.slice().sort((a, b) => a - b);
  return { workload, name, median: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), ratio: 0, baseline };
}

function finish(title: string, rows: Row[]): Row[] {
  for (const r of rows) r.ratio = r.median / rows[0]!.median;
  printTable(title, rows);
  for (const r of rows) record(r);
  return rows;
}

console.log(`SharedWaitGroup benchmarks${quick ? ' (--quick: smoke run, figures are not meaningful)' : ''}`);

// ---- 1. uncontended add+done, and the waits at zero (one thread) ----

{
  const i32 = new Int32Array(new SharedArrayBuffer(4));
  const i64 = new BigInt64Array(new SharedArrayBuffer(8));
  const unit = 1n << 32n;
  const wg = new SharedWaitGroup();
  const rows = await workload('uncontended add(1) + done(), one thread', [
    { name: 'raw Int32Array Atomics.add + Atomics.sub', fn: () => (Atomics.add(i32, 0, 1), Atomics.sub(i32, 0, 1)) },
    { name: 'raw BigInt64Array Atomics.add + Atomics.sub', fn: () => (Atomics.add(i64, 0, unit), Atomics.sub(i64, 0, unit)) },
    { name: 'SharedWaitGroup add(1) + done()', fn: () => (wg.add(1), wg.done()) },
  ]);
  target('uncontended add(1)+done() vs raw Int32Array add+sub', rows[2]!.ratio, 2);

  const zero = await workload('wait at zero (counter 0), one thread', [
    { name: 'raw Int32Array Atomics.load', fn: () => Atomics.load(i32, 0) },
    { name: 'raw BigInt64Array Atomics.load', fn: () => Atomics.load(i64, 0) },
    { name: 'SharedWaitGroup waitSync() at zero', fn: () => wg.waitSync() },
    // The call only: the promise it returns is the one shared resolved promise; awaiting it is
    // the caller's cost, the same for any promise.
    { name: 'SharedWaitGroup wait() at zero (the call)', fn: () => void wg.wait() },
  ]);
  target('waitSync() at zero vs raw Int32Array Atomics.load', zero[2]!.ratio, 2);
  target('wait() at zero vs raw Int32Array Atomics.load', zero[3]!.ratio, 2);
  console.log(
    `- (same word type) waitSync() at zero vs raw BigInt64Array load: ${(zero[2]!.median / zero[1]!.median).toFixed(2)}×, ` +
      `wait() at zero: ${(zero[3]!.median / zero[1]!.median).toFixed(2)}×`,
  );
}

// ---- 2. wake latency: last done() in a worker -> the wait returning in main, main asleep ----

{
  const wg = new SharedWaitGroup();
  const ctrl = new Int32Array(new SharedArrayBuffer(3 * 4));
  const stamp = new BigInt64Array(new SharedArrayBuffer(8));
  const worker = startWorker({ role: 'latency', group: wg, ctrl, stamp, delayMs: 0.3 });
  await readyOf(worker);
  let seq = 0;
  const release = (mode: number): void => {
    Atomics.store(ctrl, 1, mode);
    Atomics.store(ctrl, 0, ++seq);
    Atomics.notify(ctrl, 0);
  };
  const elapsed = (): number => Number(process.hrtime.bigint() - stamp[0]!);
  let nextMessage: (() => void) | null = null;
  worker.on('message', () => nextMessage?.());

  const candidates: [string, () => Promise<number> | number][] = [
    ['raw Atomics.wait / Atomics.notify', () => {
      Atomics.store(ctrl, 2, 0);
      release(1);
      Atomics.wait(ctrl, 2, 0);
      return elapsed();
    }],
    ['SharedWaitGroup done() -> waitSync()', () => {
      wg.add(1);
      release(0);
      wg.waitSync();
      return elapsed();
    }],
    ['raw Atomics.waitAsync / Atomics.notify', async () => {
      Atomics.store(ctrl, 2, 0);
      const { value } = Atomics.waitAsync(ctrl, 2, 0);
      release(1);
      await value;
      return elapsed();
    }],
    ['SharedWaitGroup done() -> await wait()', async () => {
      wg.add(1);
      const waiting = wg.wait();
      release(0);
      await waiting;
      return elapsed();
    }],
    ['postMessage completion message', async () => {
      const received = new Promise<void>((resolve) => (nextMessage = resolve));
      release(2);
      await received;
      return elapsed();
    }],
    // The fallback for engines without Atomics.waitAsync (polling, 1 ms first), forced here by
    // removing Atomics.waitAsync for the length of the wait.
    ['SharedWaitGroup done() -> await wait(), polling fallback (no Atomics.waitAsync)', async () => {
      const atomics = Atomics as { waitAsync?: unknown };
      const saved = atomics.waitAsync;
      delete atomics.waitAsync;
      try {
        wg.add(1);
        const waiting = wg.wait();
        release(0);
        await waiting;
        return elapsed();
      } finally {
        atomics.waitAsync = saved;
      }
    }],
  ];
  // Candidates take turns sample by sample (A B C D E, A B C D E, ...), so that drift of a
  // shared, noisy machine hits them alike; the first 50 turns warm up and are dropped.
  const samples = candidates.map(() => [] as number[]);
  const warmUp = quick ? 5 : 50;
  const turns = warmUp + (quick ? 30 : 1500);
  for (let turn = 0; turn < turns; turn++) {
    for (const [i, [, fn]] of candidates.entries()) {
      const sample = await fn();
      if (turn >= warmUp) samples[i]!.push(sample);
    }
  }
  Atomics.store(ctrl, 0, -1);
  Atomics.notify(ctrl, 0);
  await worker.terminate();
  const title = 'wake latency, one way: release in a worker -> the waiter running in main (main asleep)';
  const rows = finish(title, candidates.map(([name], i) => row(title, name, samples[i]!, candidates[0]![0])));
  const [rawWait, sync, rawAsync, async, message] = rows.map((r) => r.median);
  target('done() -> waitSync() vs raw Atomics.wait/notify', sync! / rawWait!, 1.25);
  target('done() -> wait() vs raw Atomics.waitAsync/notify', async! / rawAsync!, 1.25);
  target('done() -> waitSync() vs postMessage (must be below)', sync! / message!, 1);
  target('done() -> wait() vs postMessage (must be below)', async! / message!, 1);
}

// ---- 3. fan-in throughput: 100,000 completions from 2 running workers ----

{
  const total = 100_000;
  const perWorker = total / 2;
  const timings: Record<'done' | 'postMessage', number[]> = { done: [], postMessage: [] };
  for (const mode of ['done', 'postMessage'] as const) {
    const wg = new SharedWaitGroup();
    const ctrl = new Int32Array(new SharedArrayBuffer(8));
    const pool = [0, 1].map(() => startWorker({ role: 'fan-in', mode, group: wg, ctrl, n: perWorker }));
    await Promise.all(pool.map(readyOf));
    let counted = 0;
    let complete: (() => void) | null = null;
    for (const worker of pool) {
      worker.on('message', () => {
        if (++counted === total) complete?.();
      });
    }
    const rounds = quick ? 1 : 5;
    for (let round = 1; round <= rounds; round++) {
      counted = 0;
      const allCounted = new Promise<void>((resolve) => (complete = resolve));
      if (mode === 'done') wg.add(total);
      const start = process.hrtime.bigint();
      Atomics.store(ctrl, 0, round);
      Atomics.notify(ctrl, 0);
      await (mode === 'done' ? wg.wait() : allCounted);
      timings[mode].push(Number(process.hrtime.bigint() - start) / total);
    }
    Atomics.store(ctrl, 1, 1);
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  const title = `fan-in: ${total.toLocaleString('en')} completions from 2 running workers (time per completion)`;
  const rows = finish(title, [
    row(title, 'one postMessage per completion, counted in main', timings.postMessage, 'postMessage'),
    row(title, 'one done() per completion, main awaits wait()', timings.done, 'postMessage'),
  ]);
  const speedup = rows[0]!.median / rows[1]!.median;
  console.log(`- fan-in throughput, SharedWaitGroup vs postMessage: ${speedup.toFixed(1)}× (${formatNs(rows[1]!.median)} vs ${formatNs(rows[0]!.median)} per completion)`);
  target('fan-in time per completion, SharedWaitGroup vs postMessage (≥10× throughput)', rows[1]!.ratio, 0.1);
}

// ---- 4. Go's benchmark shapes (b.RunParallel with 2 workers; ns/op = wall time / all ops) ----

{
  const n = quick ? 100_000 : 2_000_000;
  const shapes = ['raw AddDone', 'Uncontended', 'AddDone', 'Wait'] as const;
  const results = shapes.map(() => [] as number[]);
  const rounds = quick ? 1 : 3;
  for (let round = 0; round < rounds; round++) {
    for (const [s, shape] of shapes.entries()) {
      const shared = new SharedWaitGroup();
      const raw = new Int32Array(new SharedArrayBuffer(4));
      const ctrl = new Int32Array(new SharedArrayBuffer(3 * 4)); // [0] go, [1] ready, [2] finished
      const ends = new BigInt64Array(new SharedArrayBuffer(16));
      const pool = [0, 1].map((index) =>
        startWorker({
          role: 'go-shape',
          shape,
          // Uncontended: a private group per worker; the others share one.
          group: shape === 'Uncontended' ? new SharedWaitGroup() : shared,
          raw,
          ctrl,
          ends,
          index,
          n,
        }),
      );
      while (Atomics.load(ctrl, 1) < 2) await new Promise((resolve) => setTimeout(resolve, 1));
      const start = process.hrtime.bigint();
      Atomics.store(ctrl, 0, 1);
      while (Atomics.load(ctrl, 2) < 2) await new Promise((resolve) => setTimeout(resolve, 1));
      const end = ends[0]! > ends[1]! ? ends[0]! : ends[1]!;
      results[s]!.push(Number(end - start) / (2 * n));
      await Promise.all(pool.map((worker) => worker.terminate()));
    }
  }
  // ActuallyWait: a new group per iteration, a (hot) helper thread calls done(), main waitSync().
  const iterations = quick ? 2_000 : 20_000;
  const actually: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const buffer = new SharedArrayBuffer((iterations + 1) * 16);
    const ctrl = new Int32Array(new SharedArrayBuffer(4));
    const helper = startWorker({ role: 'actually-wait-helper', ctrl, buffer });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const start = process.hrtime.bigint();
    for (let slot = 1; slot <= iterations; slot++) {
      const wg = new SharedWaitGroup(buffer, slot * 16);
      wg.add(1);
      Atomics.store(ctrl, 0, slot);
      wg.waitSync();
    }
    actually.push(Number(process.hrtime.bigint() - start) / iterations);
    Atomics.store(ctrl, 0, -1);
    await helper.terminate();
  }
  const title = "Go's shapes (2 workers in parallel, as b.RunParallel; ns/op = wall time / all operations)";
  finish(title, [
    ...shapes.map((shape, s) => row(title, shape === 'raw AddDone' ? 'raw AddDone (Int32Array add+sub, shared word)' : shape, results[s]!, 'raw AddDone')),
    row(title, 'ActuallyWait (new group each time, hot helper thread done(), main waitSync())', actually, 'raw AddDone'),
  ]);
  console.log("- Go 1.19.8 on this kind of machine (ns/op, two runs): Uncontended 4.5/5.6, AddDone 5.4/12.2, Wait 3.7/1.4, ActuallyWait 218/429");
}
