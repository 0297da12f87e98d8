// `npm run test:quick` (after its build, which type-checks src/, and the type check of the
// rest): the test files on the current Node only, without the slow ones listed in suites.ts,
// in one node --test run, two files at a time (most of their time is spent waiting on
// workers, child processes and timers).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SLOW, testFiles } from './suites.ts';

const files = testFiles().filter((file) => !(file in SLOW));
console.log(`test:quick: ${files.length} files on Node ${process.version}; left out (npm test runs them):`);
for (const [file, why] of Object.entries(SLOW)) console.log(`  - test/${file}: ${why}`);
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files.map((file) => `test/${file}`)], {
  cwd: fileURLToPath(new URL('../..', import.meta.url)),
  stdio: 'inherit',
});
process.exitCode = run.status ?? 1;
