// `npm run bench -- --quick` as a smoke check: every family runs every workload and every
// row is a number. Timings are never asserted here; they live in docs/benchmarks.md.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { runTs, stdoutOf } from './support/child-process.ts';

const root = new URL('..', import.meta.url);
const out = new URL('.cache/bench-quick/', root);

test('npm run bench -- --quick: every family and workload produces numbers', { timeout: 120_000 }, async () => {
  rmSync(out, { recursive: true, force: true });
  const stdout = await stdoutOf(runTs('bench/index.ts', ['--quick'], { timeout: 110_000 }));
  const families = readdirSync(new URL('bench/', root))
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => file.replace('.bench.ts', ''));
  assert.ok(families.length >= 1);
  for (const family of families) {
    const { rows } = JSON.parse(readFileSync(new URL(`${family}.json`, out), 'utf8')) as {
      rows: { workload: string; name: string; median: number; ratio: number }[];
    };
    assert.ok(rows.length > 0, `${family}: no rows`);
    for (const row of rows) {
      assert.ok(Number.isFinite(row.median) && row.median > 0, `${family} / ${row.workload} / ${row.name}: ${row.median}`);
      assert.ok(Number.isFinite(row.ratio), `${family} / ${row.workload} / ${row.name}: ratio ${row.ratio}`);
      assert.ok(stdout.includes(row.workload), `${family}: ${row.workload} printed`);
    }
  }
});
