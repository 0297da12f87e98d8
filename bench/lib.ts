// Shared by every benchmark family: measure with mitata, report medians, p99 and the ratio
// to the workload's baseline, measured in the same run (only ratios hold on a noisy machine).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename } from 'node:path';
import { measure } from 'mitata';

/** `--quick`: a smoke run that checks every workload runs and yields a number. */
export const quick = process.argv.includes('--quick');

export interface Candidate {
  name: string;
  /** Work for one iteration; may return a promise. */
  fn: () => unknown;
}

export interface Row {
  workload: string;
  name: string;
  /** Nanoseconds per iteration: median over rounds of each round's median sample. */
  median: number;
  /** Nanoseconds per iteration: the 99th percentile of the samples of the median round. */
  p99: number;
  /** `median` over the baseline's `median`; the baseline itself is 1. */
  ratio: number;
  baseline: string;
  /** The unit of `median` and `p99` when they are not nanoseconds per iteration. */
  unit?: string;
}

export interface WorkloadOptions {
  /** How many times every candidate is measured, in turn; default 5 (1 in --quick). */
  rounds?: number;
  /** At most this many samples a measurement (for slow iterations). */
  maxSamples?: number;
  /**
   * How many operations one call of a candidate's `fn` performs; figures are reported per
   * operation. For workloads of a few dozen nanoseconds: mitata's own cost per awaited call
   * (its timer reads and the await of the returned promise) is of that size, is added to every
   * candidate alike, and pushes every ratio towards 1, hiding what one library costs more than
   * another. A batch of operations per call amortises it, as a plain loop does (bench/loop.ts).
   */
  perIteration?: number;
}

const rows: Row[] = [];

/**
 * Measures every candidate of one workload, `rounds` times in turn (A B C, A B C, ...) so that
 * drift of the machine hits them alike, and prints a table. The first candidate is the
 * baseline.
 */
export async function workload(
  title: string,
  candidates: Candidate[],
  options: WorkloadOptions | number = {},
): Promise<Row[]> {
  const { rounds = quick ? 1 : 5, maxSamples, perIteration = 1 } = typeof options === 'number' ? { rounds: options } : options;
  const limits = { min_cpu_time: quick ? 10e6 : 300e6, max_samples: quick ? 100 : (maxSamples ?? 1e9) };
  if (maxSamples !== undefined || quick) Object.assign(limits, { min_samples: 1 });
  const medians = candidates.map(() => [] as { p50: number; p99: number }[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, candidate] of candidates.entries()) {
      const stats = await measure(candidate.fn, limits);
      medians[i]!.push({ p50: stats.p50 / perIteration, p99: stats.p99 / perIteration });
    }
  }
  const result = candidates.map((candidate, i) => {
    const sorted = medians[i]!.slice().sort((a, b) => a.p50 - b.p50);
    const mid = sorted[sorted.length >> 1]!;
    return { workload: title, name: candidate.name, median: mid.p50, p99: mid.p99, ratio: 0, baseline: candidates[0]!.name };
  });
  for (const row of result) row.ratio = row.median / result[0]!.median;
  printTable(title, result);
  rows.push(...result);
  return result;
}

/**
 * Returns a new copy of `factory`, compiled from its source, so that the functions it makes
 * have call sites of their own. Closures made by one function share its type feedback: a
 * loop shared by every candidate would be polymorphic and favour the first one the JIT saw,
 * while real programs use one implementation. `factory` must not use free variables: pass
 * everything as arguments.
 */
export function fresh<F extends (...args: never[]) => unknown>(factory: F): F {
  return new Function(`return (${factory.toString()});`)() as F;
}

/** Records a figure measured by other means (bytes, throughput) under the same table. */
export function record(row: Row): void {
  rows.push(row);
}

export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

export function printTable(title: string, result: Row[]): void {
  console.log(`\n### ${title}\n`);
  console.log(`| candidate | median | p99 | ratio to ${result[0]?.baseline} |`);
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of result) {
    console.log(`| ${row.name} | ${formatNs(row.median)} | ${formatNs(row.p99)} | ${row.ratio.toFixed(2)}× |`);
  }
}

/** Every row measured so far in this process. */
export function results(): readonly Row[] {
  return rows;
}

// At exit, the rows go to bench/results/<family>.json (a full run, kept in the repository for
// docs/benchmarks.md and the chart) or .cache/bench-quick/<family>.json (--quick).
process.once('beforeExit', () => {
  const script = process.argv[1] ?? '';
  if (!script.endsWith('.bench.ts')) return; // a script that only borrows helpers (report.ts)
  const family = basename(script, '.bench.ts');
  const dir = new URL(quick ? '../.cache/bench-quick/' : './results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const machine = {
    node: process.version,
    platform: `${process.platform} ${process.arch}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
    date: new Date().toISOString(),
  };
  writeFileSync(new URL(`${family}.json`, dir), `${JSON.stringify({ family, quick, machine, rows, targets }, null, 2)}\n`);
});

export interface Target {
  label: string;
  measured: number;
  limit: number;
  unit: string;
  met: boolean;
}

const targets: Target[] = [];

/** Prints `target` against `measured`, says plainly whether it was met, and records it. */
export function target(label: string, measured: number, limit: number, unit = '×'): void {
  const met = measured <= limit;
  targets.push({ label, measured, limit, unit, met });
  console.log(`- target ${label}: ${measured.toFixed(2)}${unit} (limit ≤ ${limit}${unit}) ${met ? 'met' : 'MISSED'}`);
}
