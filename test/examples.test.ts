// Every example runs and prints what it promises: examples are code, not prose that rots.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runTs, stdoutOf } from './support/child-process.ts';

/** What an example file prints when run as `npm start` runs it. */
function example(file: string): Promise<string> {
  return stdoutOf(runTs(file));
}

// The structured-concurrency examples (issue 14), alone and in the tour.
const STRUCTURED =
  'saved a.txt\nsaved b.txt\nsaveAll returned\nsizes: 1, 2, 3\ntask stopped: body failed\nscope rejected: body failed\n';
const DEAD_WORKER =
  /ERR_WAITGROUP_WORKER_DIED: waitgroups: worker thread \d+ threw Error: out of memory \(simulated\) while it still owed 1 done\(\): the WaitGroup counter can never reach zero\ncause: out of memory \(simulated\)\n/;

test('examples/classic.ts: Go\'s classic three tasks, then "all tasks done"', async () => {
  assert.equal(await example('examples/classic.ts'), 'task 1 done\ntask 2 done\ntask 3 done\nall tasks done\n');
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

describe('Group examples', () => {
  test('examples/group.ts: 10 downloads, limit 3, one failure cancels the rest', async () => {
    assert.equal(
      await example('examples/group.ts'),
      [
        'file-01: started',
        'file-02: started',
        'file-03: started',
        'file-01: done',
        'file-04: started',
        'file-02: done',
        'file-05: started',
        'file-04: done',
        'file-06: started',
        'file-05: failed',
        'file-03: cancelled (file-05: connection reset)',
        'file-06: cancelled (file-05: connection reset)',
        'wait() rejected with the first error: file-05: connection reset',
        'ran to completion: file-01, file-02, file-04',
        'cancelled while running: file-03, file-06',
        'never started: file-07, file-08, file-09, file-10',
        "the group's signal was aborted with that error as its reason: true",
        '',
      ].join('\n'),
    );
  });

  test('README: first error', async () => {
    assert.equal(
      await example('examples/group-readme-first-error.ts'),
      'task 1 done\ntask 3 done\nwait() rejected: task 2 failed\n',
    );
  });

  test('README: limit', async () => {
    assert.equal(
      await example('examples/group-readme-limit.ts'),
      [
        'task 1 started, 1 running',
        'task 2 started, 2 running',
        'tryGo at the limit: false',
        'task 3 started, 2 running',
        'task 4 started, 2 running',
        'task 5 started, 2 running',
        'all done',
        '',
      ].join('\n'),
    );
  });

  test('README: cancellation', async () => {
    assert.equal(
      await example('examples/group-readme-cancel.ts'),
      'slow task stopped early: disk full\nwait() rejected: disk full\nsignal aborted: true\n',
    );
  });
});

test('examples/structured.ts: await using waits for its tasks; Group.scope returns the body\'s value, or cancels and rethrows', async () => {
  assert.equal(await example('examples/structured.ts'), STRUCTURED);
});

test('examples/dead-worker.ts: a worker that crashes before its done() makes wait() reject, naming it', async () => {
  assert.match(await example('examples/dead-worker.ts'), new RegExp(`^${DEAD_WORKER.source}$`));
});

test('npm start: the tour runs every section', async () => {
  const output = await example('examples/tour.ts');
  assert.match(output, /all tasks done/);
  assert.match(output, /walked 120 nodes/);
  assert.match(output, /ERR_WAITGROUP_NEGATIVE_COUNTER/);
  assert.match(output, /never started: file-07, file-08, file-09, file-10/);
  assert.match(output, /216816 primes below 3,000,000/);
  assert.ok(output.includes(`(examples/structured.ts) ==\n${STRUCTURED}`), output);
  assert.match(output, new RegExp(`\\(examples/dead-worker\\.ts\\) ==\\n${DEAD_WORKER.source}`));
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
