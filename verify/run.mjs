#!/usr/bin/env node
// `npm run verify`: model-checks SharedWaitGroup's algorithm with SPIN.
//
//   node verify/run.mjs [--only id,id] [--jobs N] [--json FILE] [--keep] [--update-hashes]
//
// 1. Checks that `spin` and a C compiler are on PATH, and that the model has not drifted from
//    the source (verify/modelled-source.mjs).
// 2. For each check below: `spin -a` the model with the check's -D flags, compile the verifier,
//    run it, parse its report. Every search is exhaustive (no bitstate, no hash compaction;
//    -DCOLLAPSE is lossless compression), and a search that did not complete is a failure.
//    - the properties: each configuration must give "errors: 0" and reach every coverage point
//      listed for it (so that no property passes because its path is never taken);
//    - reachability: each misuse error must be FOUND (an assert(false) at the throw);
//    - seeded bugs: each deliberate bug must be FOUND; its counterexample is replayed and
//      summarised.
// 3. Prints a summary; exits 0 if every result is as expected, 1 otherwise, 2 if a tool is missing.
// Plain Node ESM, no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL, checkHashes, checkMap, writeRecorded } from './modelled-source.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const flag = (name) => args.includes(`--${name}`);

if (flag('update-hashes')) {
  writeRecorded(root);
  console.log('recorded the hashes of the modelled source regions in verify/modelled-source.sha256');
  process.exit(0);
}

// ---- the checks --------------------------------------------------------------------------

/** What each coverage point means (COVER(n) in the model). */
const COVERAGE = {
  1: 'a release of two registered waiters',
  2: 'a release CAS fails because a waiter withdrew, and retries',
  3: 'a release CAS fails because every waiter withdrew: no release',
  4: 'a release CAS fails because another thread released first',
  5: 'a release CAS fails because a refused add is in flight',
  6: 'a notify wakes a parked waitSync',
  7: 'a notify resolves a parked waitAsync',
  8: 'a release through the object that holds the waits settles them at once (sweep)',
  9: 'the undo of a refused call lands on zero with waiters and releases them',
  10: 'a round opens while the last one is unfinished (every waiter gave up)',
  11: 'a waiter registers while a refused done() is in flight (counter < 0)',
  12: 'a waiter registers in the last round (after two releases)',
  13: 'a registration CAS fails',
  14: 'a registration CAS fails because the counter reached zero (no registration)',
  15: 'a wait() withdraws (timeout/abort)',
  16: 'a waitSync() withdraws (timeout)',
  17: 'a waiter withdraws at counter 0, while the release is landing',
  18: 'a give-up CAS fails',
  19: 'a parked Atomics.wait times out',
  20: 'ERR_WAITGROUP_MISUSE is thrown',
  21: 'ERR_WAITGROUP_NEGATIVE_COUNTER is thrown',
  22: 'ERR_WAITGROUP_REUSED is thrown',
  23: 'a registered waitSync sees its release',
  24: 'a waitSync whose give-up CAS failed sees its release and returns',
  25: 'a waitSync registered in the last round is released',
  26: 'Atomics.wait returns not-equal (a release landed between the two reads)',
  27: 'a wait() settles while the next round runs',
  28: 'a waitAsync armed for an earlier wait covers a new wait()',
  29: 'waitAsync returns not-equal and #arm looks again',
  30: 'the #wake callback settles a wait()',
  31: "a wait()'s give-up finds its round released and resolves instead",
  32: "... while the next round runs",
};

const CHECKS = [
  {
    id: 'sync',
    what: 'SYNC: 2 waitSync threads x 2 workers, 3 rounds (2 reuses), timeouts at any point',
    defines: ['CONFIG=1'],
    cover: [1, 2, 3, 6, 10, 12, 13, 14, 16, 17, 18, 19, 23, 24, 25, 26],
  },
  {
    id: 'async',
    what: 'ASYNC: 2 wait() threads x 2 workers, 3 rounds, timeouts/aborts; waits may settle during the next round',
    defines: ['CONFIG=2'],
    cover: [1, 2, 3, 7, 12, 13, 14, 15, 17, 18, 27, 28, 29, 30, 31, 32],
  },
  {
    id: 'mixed',
    what: 'MIXED: 1 waitSync thread + 1 thread with 2 wait()s on one object that also does a done(); 3 rounds',
    defines: ['CONFIG=3'],
    cover: [1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 16, 17, 18, 19, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32],
  },
  {
    id: 'misuse-reuse',
    what: "MISUSE_REUSE: Go's TestWaitGroupMisuse3: waitSync(); add(1); done() racing a done(), a waitSync() (timeout) and a wait()",
    defines: ['CONFIG=10'],
    cover: [4, 9, 16, 17, 19, 20, 22],
  },
  {
    id: 'misuse-negative',
    what: 'MISUSE_NEG: one done() too many, racing a waitSync() (timeout) and a wait()',
    defines: ['CONFIG=11'],
    cover: [5, 9, 11, 16, 19, 21],
  },
  {
    id: 'sync-progress',
    what: 'SYNC, 2 rounds: no cycle at all (no livelock: every execution ends)',
    defines: ['CONFIG=1', 'ROUNDS=2'],
    mode: 'np',
  },
  {
    id: 'async-progress',
    what: 'ASYNC, 2 rounds: no cycle at all (no livelock)',
    defines: ['CONFIG=2', 'ROUNDS=2'],
    mode: 'np',
  },
  {
    id: 'mixed-progress',
    what: 'MIXED, 2 rounds: no cycle at all (no livelock)',
    defines: ['CONFIG=3', 'ROUNDS=2'],
    mode: 'np',
  },
  // Reachability: each misuse error must be found.
  { id: 'reach-misuse', what: 'ERR_WAITGROUP_MISUSE is reachable (MISUSE_REUSE)', defines: ['CONFIG=10', 'REACH=20'], expect: 'found', error: /assertion violated/ },
  { id: 'reach-reused', what: 'ERR_WAITGROUP_REUSED is reachable (MISUSE_REUSE)', defines: ['CONFIG=10', 'REACH=22'], expect: 'found', error: /assertion violated/ },
  { id: 'reach-negative', what: 'ERR_WAITGROUP_NEGATIVE_COUNTER is reachable (MISUSE_NEG)', defines: ['CONFIG=11', 'REACH=21'], expect: 'found', error: /assertion violated/ },
  // Seeded bugs: each must be found.
  {
    id: 'bug-notify-first',
    what: 'seeded bug: the release bumps the wake word and notifies BEFORE its reset CAS',
    defines: ['CONFIG=1', 'BUG_NOTIFY_FIRST'],
    expect: 'found',
    error: /assertion violated|invalid end state/,
  },
  {
    id: 'bug-register-no-cas',
    what: 'seeded bug: register with a load and a plain store instead of a CAS',
    defines: ['CONFIG=1', 'BUG_REGISTER_NO_CAS'],
    expect: 'found',
    error: /assertion violated|invalid end state/,
  },
  {
    id: 'bug-giveup-no-generation',
    what: 'seeded bug: the give-up CAS ignores the generation (ABA)',
    defines: ['CONFIG=2', 'BUG_GIVEUP_NO_GEN'],
    expect: 'found',
    error: /assertion violated/,
  },
  {
    id: 'bug-check-after',
    what: 'seeded bug: waitSync reads the wake word AFTER re-checking the state',
    defines: ['CONFIG=1', 'BUG_CHECK_AFTER'],
    expect: 'found',
    error: /invalid end state/,
  },
  {
    id: 'bug-arm-check-after',
    what: 'seeded bug: #arm sweeps the waits BEFORE reading the wake word',
    defines: ['CONFIG=2', 'BUG_ARM_CHECK_AFTER'],
    expect: 'found',
    error: /invalid end state/,
  },
  {
    id: 'bug-release-no-retry',
    what: 'seeded bug: the release gives up on its first failed CAS (a waiter withdrew meanwhile)',
    defines: ['CONFIG=1', 'BUG_RELEASE_NO_RETRY'],
    expect: 'found',
    error: /invalid end state|assertion violated/,
  },
];

// ---- tools -------------------------------------------------------------------------------

function findTool(candidates) {
  for (const [command, versionArgs] of candidates) {
    const probe = spawnSync(command, versionArgs, { encoding: 'utf8' });
    if (probe.error === undefined && probe.status === 0) return { command, version: `${probe.stdout}${probe.stderr}`.trim().split('\n')[0] };
  }
  return undefined;
}

const spinTool = findTool([['spin', ['-V']]]);
const ccTool = findTool([
  ...(process.env.CC ? [[process.env.CC, ['--version']]] : []),
  ['gcc', ['--version']],
  ['cc', ['--version']],
  ['clang', ['--version']],
]);
if (spinTool === undefined || ccTool === undefined) {
  if (spinTool === undefined) {
    console.error('verify: `spin` is not on PATH. Install SPIN 6 (Debian/Ubuntu: `apt-get install spin gcc`; see https://spinroot.com).');
  }
  if (ccTool === undefined) {
    console.error('verify: no C compiler on PATH (tried $CC, gcc, cc, clang): SPIN compiles its verifier in C. Install gcc (Debian/Ubuntu: `apt-get install gcc`).');
  }
  process.exit(2);
}

// ---- drift guard -------------------------------------------------------------------------

const drift = [...checkHashes(root), ...checkMap(root)];
if (drift.length > 0 && !flag('ignore-drift')) {
  console.error('verify: the model may no longer describe the source:');
  for (const problem of drift) console.error(`  - ${problem}`);
  console.error(
    'Re-read verify/shared-wait-group.pml against the changed code, update it (and its MAP lines), ' +
      'run `npm run verify`, then `node verify/run.mjs --update-hashes`.',
  );
  process.exit(1);
}

// ---- running one check -------------------------------------------------------------------

const only = option('only')?.split(',');
const checks = only === undefined ? CHECKS : CHECKS.filter((check) => only.includes(check.id));
if (checks.length === 0) {
  console.error(`verify: no check named ${only}; the checks are: ${CHECKS.map((c) => c.id).join(', ')}`);
  process.exit(1);
}
const jobs = Math.max(1, Number(option('jobs') ?? Math.min(2, os.availableParallelism())));
const work = mkdtempSync(join(os.tmpdir(), 'waitgroups-verify-'));
const MEMLIM_MB = 3072;

function run(command, commandArgs, cwd, timeoutMs) {
  return new Promise((resolveRun) => {
    const child = spawn(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolveRun({ code: -1, out: `${out}\n${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? -1, out: signal ? `${out}\nkilled by ${signal}` : out });
    });
  });
}

function parsePan(out) {
  const number = (re) => {
    const match = re.exec(out);
    return match === null ? undefined : Number(match[1]);
  };
  const firstError = /pan:1: (.+?) \(at depth (\d+)\)/.exec(out);
  return {
    errors: number(/errors: (\d+)/),
    states: number(/^\s*(\d+) states, stored/m),
    transitions: number(/^\s*(\d+) transitions/m) ?? number(/([\d.e+]+) transitions \(=/),
    depth: number(/depth reached (\d+)/),
    seconds: number(/pan: elapsed time ([\d.e+]+) seconds/),
    memoryMb: number(/([\d.]+)\s+total actual memory usage/),
    error: firstError === null ? undefined : firstError[1],
    errorDepth: firstError === null ? undefined : Number(firstError[2]),
    incomplete:
      /max search depth too small|out of memory|search not completed|pan: reached -DMEMLIM bound|killed by/i.test(out),
    covered: [...out.matchAll(/^COVER (\d+)$/gm)].map((m) => Number(m[1])),
  };
}

/** The counterexample, replayed with `spin -t`: the model's printf lines, one per step, then
 * (for a deadlock) where each unfinished thread is stuck. */
async function trailSummary(dir, defines, deadlock) {
  const replay = await run(spinTool.command, ['-t', ...defines.map((d) => `-D${d}`), 'model.pml'], dir, 60_000);
  const summary = [];
  for (const raw of replay.out.split('\n')) {
    const line = raw.trim();
    if (/^T\d /.test(line) || line.startsWith('all threads')) summary.push(line);
    else if (line.startsWith('spin: text of failed assertion: ')) {
      const text = line.slice('spin: text of failed assertion: '.length);
      summary.push(/\(\((\d+)==\1\)&&1\)/.test(text) ? 'REACHED: the error is thrown here' : `FAILS: ${text}`);
    }
  }
  // The final process list: a process without <valid end state> is blocked (pid 1 is thread T0).
  const blocked = [];
  for (const match of replay.out.matchAll(/^\s*\d+:\s+proc\s+(\d+) \(Thread:\d+\) \S+:(\d+) \(state \d+\)(.*)$/gm)) {
    if (!match[3].includes('valid end state')) blocked.push(`T${Number(match[1]) - 1} (model line ${match[2]})`);
  }
  if (deadlock && blocked.length > 0) summary.push(`END: no thread can move, and not all have finished; blocked: ${blocked.join(', ')}`);
  return summary;
}

async function runCheck(check) {
  const dir = join(work, check.id);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(root, MODEL), join(dir, 'model.pml'));
  const started = performance.now();
  const result = { id: check.id, what: check.what, expect: check.expect ?? 'pass', mode: check.mode ?? 'safety', defines: check.defines };
  const fail = (reason, out) => Object.assign(result, { ok: false, reason, out: out?.slice(-4000), wallSeconds: (performance.now() - started) / 1000 });

  const generate = await run(spinTool.command, ['-a', ...check.defines.map((d) => `-D${d}`), 'model.pml'], dir, 120_000);
  if (generate.code !== 0) return fail('spin -a failed', generate.out);

  const expectFound = check.expect === 'found';
  const big = !expectFound;
  const cflags = [
    big ? '-Os' : '-O0', // -Os: about as fast as -O2 here, and compiles in half the time
    `-DMEMLIM=${MEMLIM_MB}`,
    ...(check.mode === 'np' ? ['-DNP'] : ['-DSAFETY']),
    ...(big ? ['-DCOLLAPSE'] : ['-DBFS']), // BFS: the shortest counterexample for a bug
    '-o',
    'pan',
    'pan.c',
  ];
  const compile = await run(ccTool.command, cflags, dir, 300_000);
  if (compile.code !== 0) return fail(`${ccTool.command} failed`, compile.out);

  const panArgs = check.mode === 'np' ? ['-l', '-m1000000', '-w24'] : expectFound ? [] : ['-m1000000', '-w24'];
  const verify = await run('./pan', panArgs, dir, 290_000);
  const pan = parsePan(verify.out);
  Object.assign(result, pan, { cflags: cflags.slice(0, -3), panArgs, wallSeconds: (performance.now() - started) / 1000 });
  if (pan.errors === undefined) return fail('no verification report', verify.out);
  if (!expectFound) {
    if (pan.errors !== 0) {
      result.trail = await trailSummary(dir, check.defines, /invalid end state/.test(pan.error ?? ''));
      return fail(`${pan.errors} error(s): ${pan.error ?? '?'} at depth ${pan.errorDepth ?? '?'}`, verify.out);
    }
    if (pan.incomplete) return fail('the search did not complete', verify.out);
    const missing = (check.cover ?? []).filter((n) => !pan.covered.includes(n));
    if (missing.length > 0) {
      return fail(`coverage points never reached: ${missing.map((n) => `${n} (${COVERAGE[n]})`).join('; ')}`, verify.out);
    }
    result.ok = true;
    return result;
  }
  if (pan.errors === 0) return fail('expected spin to find an error, it found none', verify.out);
  if (check.error !== undefined && !check.error.test(pan.error ?? '')) {
    result.trail = await trailSummary(dir, check.defines, /invalid end state/.test(pan.error ?? ''));
    return fail(`found "${pan.error}", expected ${check.error}`, verify.out);
  }
  result.trail = await trailSummary(dir, check.defines, /invalid end state/.test(pan.error ?? ''));
  result.ok = true;
  return result;
}

// ---- main --------------------------------------------------------------------------------

console.log(`verify: ${spinTool.version}; ${ccTool.command}: ${ccTool.version}`);
console.log(`verify: ${checks.length} checks, ${jobs} at a time, in ${work}`);
const started = performance.now();
const queue = [...checks];
const results = [];
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (;;) {
      const check = queue.shift();
      if (check === undefined) return;
      const result = await runCheck(check);
      results.push(result);
      const figures =
        result.states === undefined
          ? ''
          : `${result.states.toLocaleString('en-US')} states, depth ${result.depth}, ${result.seconds ?? '?'} s search, ${result.wallSeconds.toFixed(1)} s total`;
      const verdict = result.ok ? (result.expect === 'found' ? 'FOUND (as expected)' : 'PASS') : 'FAIL';
      console.log(`  ${verdict.padEnd(19)} ${result.id.padEnd(25)} ${figures}`);
    }
  }),
);
const wall = (performance.now() - started) / 1000;
results.sort((a, b) => CHECKS.findIndex((c) => c.id === a.id) - CHECKS.findIndex((c) => c.id === b.id));

console.log('\nProperties (every search exhaustive; errors: 0 required):');
for (const r of results.filter((x) => x.expect === 'pass')) {
  console.log(`  ${r.ok ? 'PASS' : 'FAIL'} ${r.id}: ${r.what}`);
  if (r.states !== undefined) {
    console.log(
      `       ${r.mode === 'np' ? 'non-progress cycles' : 'assertions + invalid end states'}: ${r.states.toLocaleString('en-US')} states stored, ` +
        `depth ${r.depth}, ${r.seconds} s, ${r.memoryMb} MB; coverage points reached: ${r.covered.length}`,
    );
  }
  if (!r.ok) console.log(`       ${r.reason}`);
  if (!r.ok && r.trail) for (const line of r.trail) console.log(`         ${line}`);
}
console.log('\nMust be found (reachability of each misuse error; seeded bugs):');
for (const r of results.filter((x) => x.expect === 'found')) {
  console.log(`  ${r.ok ? 'FOUND' : 'FAIL'} ${r.id}: ${r.what}`);
  if (r.error !== undefined) {
    const error = /\(\((\d+)==\1\)&&1\)/.test(r.error) ? 'the error is reached' : r.error;
    console.log(`       ${error} at depth ${r.errorDepth} (${r.states?.toLocaleString('en-US')} states searched, breadth-first: a shortest trail)`);
  }
  if (!r.ok) console.log(`       ${r.reason}`);
  if (r.trail) for (const line of r.trail) console.log(`         ${line}`);
}
const failed = results.filter((r) => !r.ok);
console.log(`\nverify: ${results.length - failed.length}/${results.length} as expected in ${wall.toFixed(1)} s${failed.length ? `; FAILED: ${failed.map((r) => r.id).join(', ')}` : ''}`);

const jsonFile = option('json');
if (jsonFile !== undefined) {
  writeFileSync(jsonFile, JSON.stringify({ wallSeconds: wall, spin: spinTool.version, cc: ccTool.version, results }, null, 2));
}
if (!flag('keep')) rmSync(work, { recursive: true, force: true });
process.exitCode = failed.length === 0 ? 0 : 1;
