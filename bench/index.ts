// `npm run bench [-- --quick]`: every benchmark family, each in a process of its own so that
// one family's garbage and JIT state cannot skew another's.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const families = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();

let failed = 0;
for (const file of families) {
  console.log(`\n## ${file.replace('.bench.ts', '')}`);
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', `${here}${file}`, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (child.status !== 0) {
    failed++;
    console.error(`bench family ${file} failed with exit code ${child.status}`);
  }
}
// A full run of every family refreshes docs/benchmarks.md and its chart.
if (failed === 0 && only.length === 0 && !process.argv.includes('--quick')) {
  const report = spawnSync(process.execPath, ['--import', 'tsx', `${here}report.ts`], { stdio: 'inherit' });
  if (report.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
