// `npm run test:quick` (after its build and type check): the test files on the current Node
// only, without the slow ones listed in suites.ts, in one node --test run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SLOW, testFiles } from './suites.ts';

const files = testFiles().filter((file) => !(file in SLOW));
console.log(`test:quick: ${files.length} files on Node ${process.version}; left out (npm test runs them):`);
for (const [file, why] of Object.entries(SLOW)) console.log(`  - test/${file}: ${why}`);
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files.map((file) => `test/${file}`)], {
  cwd: fileURLToPath(new URL('../..', import.meta.url)),
  stdio: 'inherit',
});
process.exitCode = run.status ?? 1;
