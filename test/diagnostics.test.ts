// The classic WaitGroup mistakes, each as a small program in a child process, with the exact
// report asserted (sites point into the fixture; "N ms ago" is normalised).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WaitGroup, WaitGroupError } from 'waitgroups';
import { runNode } from './support/child-process.ts';

const fixtures = new URL('fixtures/diagnostics/', import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(file: string, { args = [] as string[], env = {} as Record<string, string> } = {}): Promise<Run> {
  const path = fileURLToPath(new URL(file, fixtures));
  const argv = file.endsWith('.ts') ? ['--import', 'tsx', path, ...args] : [path, ...args];
  const { code, stdout, stderr } = await runNode(argv, { env: { WAITGROUPS_DEBUG: '', ...env } });
  return { code: code ?? -1, stdout, stderr: normalise(stderr) };
}

function normalise(text: string): string {
  return text.replaceAll(fixtures.href, './').replace(/\d+ ms ago/g, 'N ms ago');
}

// Node's own warning for a top-level await left pending, printed after our report.
const unsettledAwait = /\nWarning: Detected unsettled top-level await at [^\n]*\n[^\n]*\n[^\n]*\n*$/;

describe('deadlock report at exit', () => {
  test('a forgotten done(): the report names the group and its counter; the exit code is not 0', async () => {
    const { code, stdout, stderr } = await run('forgotten-done.mjs');
    assert.notEqual(code, 0, 'a non-zero exit code');
    assert.equal(stdout, '');
    assert.equal(
      stderr.replace(unsettledAwait, '\n'),
      [
        'waitgroups: all goroutines are asleep - deadlock!',
        '',
        'The process is about to exit with nothing left to run, but 1 in-thread wait() is still pending on 1 WaitGroup: no task is left to call done().',
        '',
        'WaitGroup with counter 1 and 1 pending wait()',
        '  (run with WAITGROUPS_DEBUG=1, or new WaitGroup({ debug: true }), to list its outstanding tasks)',
        '',
        '',
      ].join('\n'),
    );
  });

  test('in debug mode the report lists the outstanding tasks, oldest first, with their sites', async () => {
    const { code, stderr } = await run('forgotten-done-debug.mjs');
    assert.equal(code, 1);
    assert.equal(
      stderr,
      [
        'waitgroups: all goroutines are asleep - deadlock!',
        '',
        'The process is about to exit with nothing left to run, but 1 in-thread wait() is still pending on 1 WaitGroup: no task is left to call done().',
        '',
        'WaitGroup with counter 2 and 1 pending wait(), created at ./forgotten-done-debug.mjs:4:12',
        '  outstanding, oldest first:',
        '    go("fetchUser"), N ms ago, at ./forgotten-done-debug.mjs:8:4',
        '    add(1), 1 not done, N ms ago, at ./forgotten-done-debug.mjs:10:4',
        '',
        '',
      ].join('\n'),
    );
  });

  test('WAITGROUPS_DEBUG=1 turns debug mode on for every group', async () => {
    assert.equal((await run('env-debug.mjs')).stdout, '{"debug":false,"kinds":[]}\n');
    assert.equal((await run('env-debug.mjs', { env: { WAITGROUPS_DEBUG: '1' } })).stdout, '{"debug":true,"kinds":["add(1)"]}\n');
  });

  test('after 11,000 released rounds and a waiter that gave up, the report names only the group still waited for', async () => {
    const { code, stdout, stderr } = await run('many-rounds.mjs');
    assert.notEqual(code, 0);
    assert.equal(stdout, 'a group with a waiter that gave up, counter 1\n');
    assert.match(stderr, /but 1 in-thread wait\(\) is still pending on 1 WaitGroup: /);
    assert.match(stderr, /\nWaitGroup with counter 2 and 1 pending wait\(\)\n/);
    assert.equal(stderr.match(/^WaitGroup with counter/gm)?.length, 1, 'exactly one group in the report');
  });

  test('a normal exit and process.exit() with a wait pending are untouched', async () => {
    assert.deepEqual(await run('clean-exit.mjs'), { code: 0, stdout: 'round 1 done\nround 2 done\n', stderr: '' });
    assert.deepEqual(await run('clean-exit.mjs', { args: ['--exit'] }), { code: 0, stdout: 'round 1 done\n', stderr: '' });
  });
});

describe('task handles', () => {
  test('done() twice through a handle throws ERR_WAITGROUP_TASK_ALREADY_DONE naming the label', async () => {
    assert.deepEqual(await run('double-done.mjs'), {
      code: 0,
      stdout:
        'ERR_WAITGROUP_TASK_ALREADY_DONE: waitgroups: task "fetch" is already done: done() was called twice on its handle\ncount 0\n',
      stderr: '',
    });
  });

  test('`using` that throws marks the task done, and the error goes on', async () => {
    assert.deepEqual(await run('using-throws.ts'), {
      code: 0,
      stdout: 'inside: count 1, done false\ncaught: parse failed, count 0\nwait() returned\n',
      stderr: '',
    });
  });

  test('task(): add(1) now, done() once; disposing of a done handle does nothing', () => {
    const wg = new WaitGroup();
    const task = wg.task();
    assert.equal(wg.count, 1);
    assert.equal(task.label, '');
    assert.equal(task.isDone, false);
    task.done();
    assert.equal(task.isDone, true);
    assert.equal(wg.count, 0);
    task[Symbol.dispose]();
    assert.equal(wg.count, 0, 'dispose after done() is a no-op');
    assert.throws(() => task.done(), { code: 'ERR_WAITGROUP_TASK_ALREADY_DONE', message: /task \(no label\) is already done/ });
  });

  test('task() with a bad label is a TypeError and takes no unit', () => {
    const wg = new WaitGroup();
    assert.throws(() => wg.task(42 as unknown as string), TypeError);
    assert.equal(wg.count, 0);
  });
});

describe('debug mode', () => {
  test('a timeout lists the outstanding tasks, oldest first; inspect() returns the same', async () => {
    const { stdout } = await run('timeout-debug.mjs');
    assert.equal(
      normalise(stdout),
      [
        'ERR_WAITGROUP_TIMEOUT: waitgroups: wait timed out after 20 ms with the WaitGroup counter at 2; outstanding, oldest first:',
        '  add(2), 1 not done, N ms ago, at ./timeout-debug.mjs:5:4',
        '  task("upload"), N ms ago, at ./timeout-debug.mjs:6:4',
        '[{"kind":"add","label":"add(2)","units":1},{"kind":"task","label":"upload","units":1}]',
        '',
      ].join('\n'),
    );
  });

  test('a done() after the round ended names the add it most likely belonged to', async () => {
    const { stdout } = await run('extra-done-debug.mjs');
    assert.equal(
      stdout,
      'ERR_WAITGROUP_NEGATIVE_COUNTER: sync: negative WaitGroup counter\n' +
        `waitgroups debug: the last units done came from add(2) at ${new URL('extra-done-debug.mjs', fixtures).href}:5:4; this is one done() too many\n`,
    );
  });

  test('inspect() tracks go(), task() and add() units until they are done', async () => {
    const wg = new WaitGroup({ debug: true });
    let finish!: () => void;
    const started = Date.now();
    const running = wg.go(function load() {
      return new Promise<void>((resolve) => (finish = resolve));
    });
    const task = wg.task('cache');
    wg.add(2);
    const snapshot = wg.inspect();
    assert.equal(snapshot.debug, true);
    assert.equal(snapshot.count, 4);
    assert.deepEqual(
      snapshot.outstanding.map(({ kind, label, units }) => ({ kind, label, units })),
      [
        { kind: 'go', label: 'load', units: 1 },
        { kind: 'task', label: 'cache', units: 1 },
        { kind: 'add', label: 'add(2)', units: 2 },
      ],
    );
    for (const entry of snapshot.outstanding) {
      assert.ok(entry.startedAt >= started && entry.startedAt <= Date.now(), 'startedAt is the time it was counted');
      assert.match(entry.site, /diagnostics\.test\.ts:\d+:\d+/, 'the site is in this file');
    }
    wg.done();
    task.done();
    assert.deepEqual(
      wg.inspect().outstanding.map(({ label, units }) => ({ label, units })),
      [
        { label: 'load', units: 1 },
        { label: 'add(2)', units: 1 },
      ],
    );
    finish();
    await running;
    wg.done();
    assert.deepEqual(wg.inspect(), { count: 0, waiters: 0, debug: true, outstanding: [] });
  });

  test('errors of a debug group leave its record unchanged', () => {
    const wg = new WaitGroup({ debug: true });
    wg.add(1);
    assert.throws(() => wg.add(-2), WaitGroupError);
    assert.throws(() => wg.add(2 ** 31), RangeError);
    assert.equal(wg.inspect().outstanding.length, 1);
    assert.equal(wg.inspect().outstanding[0]?.units, 1);
    wg.done();
  });

  test('off by default: inspect() records nothing; bad options are TypeErrors', () => {
    const wg = new WaitGroup();
    wg.add(1);
    assert.deepEqual(wg.inspect(), { count: 1, waiters: 0, debug: false, outstanding: [] });
    wg.done();
    assert.throws(() => new WaitGroup({ debug: 'yes' as unknown as boolean }), TypeError);
    assert.throws(() => new WaitGroup(null as never), TypeError);
    assert.equal(new WaitGroup({}).inspect().debug, false);
  });
});
