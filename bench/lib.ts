// Shared by every benchmark family: measure with mitata, report medians, p99 and the ratio
// to the workload's baseline, measured in the same run (only ratios hold on a noisy machine).
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
}

const rows: Row[] = [];

/**
 * Measures every candidate of one workload, `rounds` times in turn (A B C, A B C, ...) so that
 * drift of the machine hits them alike, and prints a table. The first candidate is the
 * baseline.
 */
export async function workload(title: string, candidates: Candidate[], rounds = quick ? 1 : 5): Promise<Row[]> {
  const medians = candidates.map(() => [] as { p50: number; p99: number }[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, candidate] of candidates.entries()) {
      const stats = await measure(candidate.fn, quick ? { min_cpu_time: 20e6, max_samples: 200 } : { min_cpu_time: 300e6 });
      medians[i]!.push({ p50: stats.p50, p99: stats.p99 });
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

/** Prints `target` against `measured` and says plainly whether it was met. */
export function target(label: string, measured: number, limit: number, unit = '×'): void {
  const met = measured <= limit;
  console.log(`- target ${label}: ${measured.toFixed(2)}${unit} (limit ≤ ${limit}${unit}) ${met ? 'met' : 'MISSED'}`);
}
