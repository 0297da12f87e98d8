// `npm run test:stress-suite`: the whole `npm test`, N times on a loaded machine (two background
// processes that keep two cores busy, started before and stopped after, by PID), then N times
// unloaded; every run's duration, exit code, load average and failing tests are logged to
// .cache/stress-suite/<date>.json and .md (also when interrupted: then of the runs that finished),
// with each run's full output beside them. Not part of `npm test`: with N = 5 it takes about
// 2.5 hours. docs/reliability.md records the figures.
//
// Usage: node verify/stress-suite.mjs [--runs N] [--phases P] [--command "npm test"] [--timeout-minutes M]
//   --runs N             runs per phase (default 5)
//   --phases P           which phases, in order: loaded,unloaded (the default), loaded or unloaded
//   --command CMD        what one run is (default `npm test`), through the shell; e.g.
//                        --command "node -e 0" to check this script itself in seconds
//   --timeout-minutes M  a run still going after M minutes is killed and counted as failed
//                        (default 30)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
function option(name, fallback) {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
}
const runs = Number(option('runs', '5'));
const command = option('command', 'npm test');
const timeoutMinutes = Number(option('timeout-minutes', '30'));
const phases = option('phases', 'loaded,unloaded').split(',');
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, got ${option('runs')}`);
if (phases.length === 0 || phases.some((phase) => phase !== 'loaded' && phase !== 'unloaded') || new Set(phases).size !== phases.length) {
  throw new RangeError(`--phases must be loaded, unloaded or both, comma-separated, got ${option('phases')}`);
}
if (!(timeoutMinutes > 0)) throw new RangeError(`--timeout-minutes must be positive, got ${option('timeout-minutes')}`);

const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\..*/, '');
const dir = `${root}.cache/stress-suite/${stamp}/`;
mkdirSync(dir, { recursive: true });

/** The CPU burners of the loaded phase, by PID. */
const burners = [];
function startBurners(count) {
  for (let index = 0; index < count; index++) {
    const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    burners.push(child.pid);
  }
  console.log(`stress-suite: started ${count} CPU burners, PIDs ${burners.join(', ')}`);
}
function stopBurners() {
  for (const pid of burners.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
      console.log(`stress-suite: stopped CPU burner ${pid}`);
    } catch (error) {
      if (error.code !== 'ESRCH') throw error;
    }
  }
}
let current; // the running command's PID (its own process group)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopBurners();
    if (current !== undefined) process.kill(-current, 'SIGKILL');
    // The runs finished so far are kept: an interrupted series is still a record.
    writeSummary(`${signal}, during the next run`);
    process.exit(130);
  });
}

/** Runs the command once; resolves with what the log records. */
function runOnce(phase, index) {
  const log = `${dir}${phase}-${index}.log`;
  const out = createWriteStream(log);
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  return new Promise((resolve) => {
    const child = spawn(command, { cwd: root, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child.pid;
    let tail = '';
    const failing = new Set();
    const take = (chunk) => {
      out.write(chunk);
      const text = tail + chunk.toString();
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        // node:test marks a failing test with ✖, bun test with (fail).
        const match = /^\s*(?:✖|\(fail\))\s+(.+?)(?: \(\d[\d.]*m?s\))?$/.exec(line);
        if (match && !/^failing tests:$/.test(match[1])) failing.add(match[1]);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, 'SIGKILL');
    }, timeoutMinutes * 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      out.end();
      const seconds = (Date.now() - started) / 1000;
      resolve({
        phase,
        run: index,
        started: new Date(started).toISOString(),
        seconds: Number(seconds.toFixed(1)),
        exitCode: code,
        ...(signal === null ? {} : { signal }),
        ...(timedOut ? { timedOut: `killed after ${timeoutMinutes} min` } : {}),
        passed: code === 0 && !timedOut,
        loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(os.loadavg()[0].toFixed(2)) },
        failing: [...failing],
        log: log.replace(root, ''),
      });
    });
  });
}

const results = [];
const cpus = os.availableParallelism();
console.log(`stress-suite: \`${command}\`, ${runs} run(s) ${phases.join(' then ')}, on ${cpus} cores; logs in ${dir.replace(root, '')}`);
for (const phase of phases) {
  if (phase === 'loaded') startBurners(2);
  try {
    for (let index = 1; index <= runs; index++) {
      console.log(`stress-suite: ${phase} run ${index}/${runs} …`);
      const result = await runOnce(phase, index);
      results.push(result);
      console.log(
        `stress-suite: ${phase} run ${index}: ${result.passed ? 'passed' : 'FAILED'} in ${result.seconds} s` +
          (result.failing.length > 0 ? `; failing: ${result.failing.join(' | ')}` : ''),
      );
    }
  } finally {
    if (phase === 'loaded') stopBurners();
  }
}

/** Writes .cache/stress-suite/<date>.json and .md from the runs finished so far. */
function writeSummary(interrupted) {
  const summary = {
    ...(interrupted === undefined ? {} : { interrupted }),
    date: new Date().toISOString(),
    command,
    runsPerPhase: runs,
    machine: { cpus, platform: `${os.platform()} ${os.arch()}`, node: process.version, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    phases,
    burners: 2,
    results,
  };
  const base = `${root}.cache/stress-suite/${stamp}`;
  writeFileSync(`${base}.json`, `${JSON.stringify(summary, null, 2)}\n`);
  const rows = results.map(
    (r) => `| ${r.phase} | ${r.run} | ${r.passed ? 'passed' : '**failed**'} | ${r.seconds} | ${r.loadAverage.before} → ${r.loadAverage.after} | ${r.failing.join('; ') || (r.passed ? '' : `exit ${r.exitCode}${r.timedOut ? `, ${r.timedOut}` : ''}`)} |`,
  );
  const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  const line = (phase) => {
    const these = results.filter((r) => r.phase === phase);
    if (these.length === 0) return `- ${phase}: no run finished`;
    return `- ${phase}: ${these.filter((r) => r.passed).length}/${these.length} passed, median ${median(these.map((r) => r.seconds))} s`;
  };
  writeFileSync(
    `${base}.md`,
    [
      `# stress-suite, ${summary.date.slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `\`${command}\`, ${runs} run(s) per phase (${phases.join(', then ')}; loaded: 2 CPU burners); ${cpus} cores, ${summary.machine.platform}, Node ${process.version}.`,
      '',
      ...phases.map(line),
      ...(interrupted === undefined ? [] : ['', `Interrupted (${interrupted}): the rows are the runs that finished.`]),
      '',
      '| phase | run | result | seconds | load average (1 min) | failing tests |',
      '| --- | ---: | --- | ---: | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
  console.log(`\nstress-suite: ${phases.map((phase) => line(phase).slice(2)).join('; ')}`);
  console.log(`stress-suite: wrote ${base.replace(root, '')}.json and .md`);
}

writeSummary(undefined);
process.exitCode = results.every((r) => r.passed) ? 0 : 1;
