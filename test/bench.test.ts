// `npm run bench -- --quick` as a smoke check: every family runs every workload and every
// row is a valid figure for its unit. Timings are never asserted here; they live in
// docs/benchmarks.md.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { runTs, stdoutOf } from './support/child-process.ts';

const root = new URL('..', import.meta.url);
const out = new URL('.cache/bench-quick/', root);

interface BenchRow {
  workload: string;
  name: string;
  median: number;
  p99: number;
  ratio: number;
  unit?: string;
}

/**
 * Which rule a row breaks, if any: every figure is a finite number; a time (nanoseconds per
 * iteration, the default unit, or ns/op) is positive, since nothing takes no time; a byte
 * count may be 0 (0 bytes allocated per add/done pair is the target), never negative.
 */
function brokenRule(row: BenchRow): string | undefined {
  const unit = row.unit ?? 'ns';
  const figures = { median: row.median, p99: row.p99, ratio: row.ratio };
  for (const [key, figure] of Object.entries(figures)) {
    if (typeof figure !== 'number' || !Number.isFinite(figure)) return `${key} must be a finite number, is ${figure}`;
  }
  if (unit === 'B') {
    for (const key of ['median', 'p99'] as const) if (row[key] < 0) return `${key} is a byte count, must be >= 0, is ${row[key]}`;
    return undefined;
  }
  if (unit === 'ns' || unit === 'ns/op') {
    for (const [key, figure] of Object.entries(figures)) if (figure <= 0) return `${key} of a time (${unit}) must be > 0, is ${figure}`;
    return undefined;
  }
  return `unknown unit ${JSON.stringify(row.unit)}: say here which sign its figures must have`;
}

test('the validity rule of a row: finite, times positive, bytes non-negative', () => {
  const time = { workload: 'w', name: 'n', median: 10, p99: 12, ratio: 1.5 };
  assert.equal(brokenRule(time), undefined);
  assert.equal(brokenRule({ ...time, unit: 'ns/op' }), undefined);
  assert.match(brokenRule({ ...time, median: 0 }) ?? '', /median of a time \(ns\) must be > 0, is 0/);
  assert.match(brokenRule({ ...time, ratio: 0 }) ?? '', /ratio of a time/);
  assert.match(brokenRule({ ...time, median: NaN }) ?? '', /median must be a finite number, is NaN/);
  assert.match(brokenRule({ ...time, p99: Infinity }) ?? '', /p99 must be a finite number/);
  const bytes = { ...time, median: 0, p99: 0, ratio: 1, unit: 'B' };
  assert.equal(brokenRule(bytes), undefined, '0 bytes is a valid figure');
  assert.match(brokenRule({ ...bytes, median: -1 }) ?? '', /median is a byte count, must be >= 0, is -1/);
  assert.match(brokenRule({ ...bytes, unit: 'ops/s' }) ?? '', /unknown unit "ops\/s"/);
});

test('every row of the committed full runs (bench/results/*.json) follows that rule', () => {
  const files = readdirSync(new URL('bench/results/', root)).filter((file) => file.endsWith('.json'));
  assert.ok(files.length >= 1);
  for (const file of files) {
    const { rows } = JSON.parse(readFileSync(new URL(`bench/results/${file}`, root), 'utf8')) as { rows: BenchRow[] };
    for (const row of rows) {
      const broken = brokenRule(row);
      assert.equal(broken, undefined, `bench/results/${file} / ${row.workload} / ${row.name}: ${broken}`);
    }
  }
});

test('npm run bench -- --quick: every family and workload produces numbers', { timeout: 120_000 }, async () => {
  rmSync(out, { recursive: true, force: true });
  const stdout = await stdoutOf(runTs('bench/index.ts', ['--quick'], { timeout: 110_000 }));
  const families = readdirSync(new URL('bench/', root))
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => file.replace('.bench.ts', ''));
  assert.ok(families.length >= 1);
  for (const family of families) {
    const { rows } = JSON.parse(readFileSync(new URL(`${family}.json`, out), 'utf8')) as {
      rows: BenchRow[];
    };
    assert.ok(rows.length > 0, `${family}: no rows`);
    for (const row of rows) {
      const broken = brokenRule(row);
      assert.equal(broken, undefined, `${family} / ${row.workload} / ${row.name}: ${broken}`);
      assert.ok(stdout.includes(row.workload), `${family}: ${row.workload} printed`);
    }
  }
});
