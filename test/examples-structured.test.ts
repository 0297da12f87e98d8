// The structured-concurrency examples (issue 14) run and print what they promise, alone and in
// the tour (`npm start`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function example(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: new URL('..', import.meta.url) });
  return stdout;
}

const STRUCTURED =
  'saved a.txt\nsaved b.txt\nsaveAll returned\nsizes: 1, 2, 3\ntask stopped: body failed\nscope rejected: body failed\n';
const DEAD_WORKER =
  /ERR_WAITGROUP_WORKER_DIED: waitgroups: worker thread \d+ threw Error: out of memory \(simulated\) while it still owed 1 done\(\): the WaitGroup counter can never reach zero\ncause: out of memory \(simulated\)\n/;

test('examples/structured.ts: await using waits for its tasks; Group.scope returns the body\'s value, or cancels and rethrows', async () => {
  assert.equal(await example('examples/structured.ts'), STRUCTURED);
});

test('examples/dead-worker.ts: a worker that crashes before its done() makes wait() reject, naming it', async () => {
  assert.match(await example('examples/dead-worker.ts'), new RegExp(`^${DEAD_WORKER.source}$`));
});

test('npm start: the tour has both sections', async () => {
  const output = await example('examples/tour.ts');
  assert.ok(output.includes(`(examples/structured.ts) ==\n${STRUCTURED}`), output);
  assert.match(output, new RegExp(`\\(examples/dead-worker\\.ts\\) ==\\n${DEAD_WORKER.source}`));
});
