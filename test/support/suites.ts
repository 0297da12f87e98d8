// Which test files run where. `npm test` runs every test/*.test.ts once on the machine's Node
// (test:unit); test/runtimes/run.ts then runs them again on the other Node lines, except the
// files below whose outcome does not depend on the Node that runs them. `npm run test:quick`
// leaves out the slow files.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Files that run once per `npm test`, in test:unit, and why their outcome is runtime-independent. */
export const RUN_ONCE: Readonly<Record<string, string>> = {
  'browser.test.ts': 'drives Chromium from Node: the runtime under test is the browser',
  'verify.test.ts': 'the SPIN model check runs spin and gcc on the model, not the package on Node',
  'types.test.ts': 'runs the TypeScript compilers on the declarations',
  'package.test.ts': 'npm pack contents and README links: files, not code',
  'readme.test.ts': 'compares the English and Chinese READMEs',
  'charts.test.ts': 'renders the benchmark charts from the committed results',
};

/**
 * Files that `npm run test:quick` leaves out, and why: their durations in one run of
 * `npm run test:unit` on a 2-core machine at a load average of 8 to 12 (2026-12-02).
 */
export const SLOW: Readonly<Record<string, string>> = {
  'bench.test.ts': 'the bench smoke run: 29 s',
  'browser.test.ts': 'starts Chromium and runs the demo page: 33 s',
  'verify.test.ts': 'the SPIN model check: 290 s or more',
  'examples.test.ts': 'runs every example as a process, the prime counters included: 20 s',
  'types.test.ts': 'six compiler runs: 62 s',
  'charts.test.ts': 'renders both charts to PNG: 5 s',
  'tsdoc-examples.test.ts': 'type-checks every TSDoc example and runs most of them, each as a process: 40 to 50 s',
};

/** Every test/*.test.ts, sorted, as paths relative to the repository. */
export function testFiles(): string[] {
  return readdirSync(fileURLToPath(new URL('..', import.meta.url)))
    .filter((file) => file.endsWith('.test.ts'))
    .sort();
}
