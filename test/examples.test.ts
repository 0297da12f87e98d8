// Every example runs and prints what it promises: examples are code, not prose that rots.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function example(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: new URL('..', import.meta.url) });
  return stdout;
}

test('examples/seed.ts: the seed article\'s three tasks, then "all tasks done"', async () => {
  assert.equal(await example('examples/seed.ts'), 'task 1 done\ntask 2 done\ntask 3 done\nall tasks done\n');
});

test('examples/fan-out.ts: go() waits for a tree discovered while walking it', async () => {
  const output = await example('examples/fan-out.ts');
  // 3 + 9 + 27 + 81 nodes; sizes (depth + 1) * 10 + i summed over every node.
  const match = /^walked 120 nodes, 4380 bytes in all, up to (\d+) listings in flight\n$/.exec(output);
  assert.ok(match, output);
  assert.ok(Number(match[1]) > 1, 'listings ran concurrently');
});

test('examples/misuse.ts: an extra done() is caught with its code and Go\'s message', async () => {
  assert.equal(
    await example('examples/misuse.ts'),
    'caught WaitGroupError ERR_WAITGROUP_NEGATIVE_COUNTER: sync: negative WaitGroup counter\n' +
      'counter is still 0; the group is still usable\n',
  );
});

test('examples/parallel.ts: worker threads coordinated by one SharedWaitGroup find every prime', async () => {
  const output = await example('examples/parallel.ts');
  assert.match(output, /^216816 primes below 3,000,000 \(one thread found 216816\)\n/);
  assert.match(output, /\d+ worker threads coordinated by one SharedWaitGroup: \d+ ms\n1 worker thread: \d+ ms; speed-up [\d.]+x\n$/);
});

test('npm start: the tour runs every section', async () => {
  const output = await example('examples/tour.ts');
  assert.match(output, /all tasks done/);
  assert.match(output, /walked 120 nodes/);
  assert.match(output, /ERR_WAITGROUP_NEGATIVE_COUNTER/);
  assert.match(output, /never started: file-07, file-08, file-09, file-10/);
  assert.match(output, /216816 primes below 3,000,000/);
  // The Redis section runs where redis-server is (CI installs it), else says how to get it.
  assert.match(output, /wait\(\) rejected with ERR_WAITGROUP_TASK_LOST|apt-get install redis-server/);
  assert.match(output, /Tour finished in/);
});

test('every complete TypeScript example of the README is a file that a test runs', () => {
  const root = new URL('..', import.meta.url);
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  // Examples, and the diagnostics fixtures whose output test/diagnostics.test.ts asserts.
  const examples = ['examples/', 'test/fixtures/diagnostics/'].flatMap((dir) =>
    readdirSync(new URL(dir, root))
      .filter((file) => /\.m?ts$|\.mjs$/.test(file))
      .map((file) => readFileSync(new URL(`${dir}${file}`, root), 'utf8')),
  );
  // A block that starts with an import is a complete program; others are marked excerpts.
  const programs = [...readme.matchAll(/```(?:ts|js)\n(import [\s\S]*?)```/g)].map((match) => match[1]!);
  assert.ok(programs.length > 0);
  for (const program of programs) {
    assert.ok(
      examples.some((example) => example.includes(program)),
      `README block not found verbatim in examples/:\n${program}`,
    );
  }
});
