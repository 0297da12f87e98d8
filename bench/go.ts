// `npm run bench:go`: Go's own figures beside ours, when a Go toolchain is on the PATH. Runs
// Go's sync WaitGroup benchmarks (`go test -run XXX -bench WaitGroup sync`) and a small Go
// program measuring the Done→Wait wake latency (bench/go/latency.go), and writes
// bench/results/go.json for the report. Without Go it says so and exits 0.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Row } from './lib.ts';

const go = spawnSync('go', ['version'], { encoding: 'utf8' });
if (go.error !== undefined || go.status !== 0) {
  console.log('bench:go skipped: no `go` toolchain on the PATH (install Go, e.g. `apt-get install golang-go`, to add Go\'s figures).');
  process.exit(0);
}
const version = go.stdout.trim();
console.log(version);

const rows: Row[] = [];
const quick = process.argv.includes('--quick');
const bench = spawnSync('go', ['test', '-run', 'XXX', '-bench', 'WaitGroup', '-benchtime', quick ? '10000x' : '1s', 'sync'], {
  encoding: 'utf8',
  env: { ...process.env, GOFLAGS: '-count=1' },
});
if (bench.status !== 0) throw new Error(`go test failed:\n${bench.stdout}\n${bench.stderr}`);
for (const match of bench.stdout.matchAll(/^BenchmarkWaitGroup(\w+)-\d+\s+\d+\s+([\d.]+) ns\/op/gm)) {
  const ns = Number(match[2]);
  rows.push({ workload: "Go's sync benchmarks (ns/op, GOMAXPROCS = cores)", name: `Go ${match[1]}`, median: ns, p99: ns, ratio: 1, baseline: 'Go', unit: 'ns/op' });
}
const latency = spawnSync('go', ['run', fileURLToPath(new URL('./go/latency.go', import.meta.url))], { encoding: 'utf8' });
if (latency.status !== 0) throw new Error(`go run failed:\n${latency.stderr}`);
const { median, p99 } = JSON.parse(latency.stdout) as { median: number; p99: number };
rows.push({ workload: 'Go Done→Wait wake latency, waiter parked', name: 'Go sync.WaitGroup', median, p99, ratio: 1, baseline: 'Go sync.WaitGroup' });

console.log('| benchmark | figure |\n| --- | ---: |');
for (const row of rows) console.log(`| ${row.name} | ${row.median.toFixed(1)} ${row.unit ?? 'ns'} |`);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const machine = { node: process.version, go: version, platform: `${process.platform} ${process.arch}, ${cpus().length} × ${cpus()[0]?.model.trim()}`, date: new Date().toISOString() };
if (!quick) writeFileSync(new URL('go.json', dir), `${JSON.stringify({ family: 'go', quick, machine, rows }, null, 2)}\n`);
