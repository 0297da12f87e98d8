// Dead workers are reported (SharedWaitGroup.watch): each case is a program of its own
// (test/fixtures/dead-worker-main.mjs) run as a child process of the runtime running this file,
// with node:worker_threads workers everywhere (Node, Deno and Bun have them) and Web Workers on
// Deno and Bun (Chromium: test/browser.test.ts). Every case must end within the bound: a wait
// that hangs is the failure this feature exists to prevent.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runNode } from './support/child-process.ts';

const main = fileURLToPath(new URL('./fixtures/dead-worker-main.mjs', import.meta.url));
const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
/** The bound for one case: a child process that has not printed its outcome by then hangs. */
const BOUND_MS = 20_000;

interface Outcome {
  outcome: 'resolved' | 'rejected';
  name?: string;
  code?: string;
  message?: string;
  cause?: string;
  count: number;
  ms: number;
}

async function run(scenario: string, kind: 'node' | 'web'): Promise<Outcome> {
  const args = runtime === 'deno' ? ['run', '-A', main, scenario, kind] : [main, scenario, kind];
  const { code, stdout, stderr } = await runNode(args, { env: { NO_COLOR: '1' }, timeout: BOUND_MS });
  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Outcome;
  } catch {
    throw new Error(`${scenario} (${kind}): exit code ${code}, no outcome\n${stdout}${stderr}`);
  }
}

function assertDied(outcome: Outcome, how: RegExp, cause?: RegExp): void {
  assert.equal(outcome.outcome, 'rejected', JSON.stringify(outcome));
  assert.equal(outcome.name, 'WaitGroupError');
  assert.equal(outcome.code, 'ERR_WAITGROUP_WORKER_DIED');
  assert.match(outcome.message!, how);
  assert.match(outcome.message!, /still owed 1 done\(\)/);
  if (cause) assert.match(outcome.cause ?? '', cause, 'the worker\'s error is the cause');
  assert.equal(outcome.count, 1, 'the dead worker\'s unit stays owed');
}

// Measured, not assumed: what a Web Worker's death looks like on each runtime.
const WEB_LIMITS: Record<string, Record<string, string>> = {
  deno: {
    'throw-after': 'Deno ends the whole program on a Web Worker\'s uncaught error, even when the error event is cancelled (Deno 2.9)',
  },
  bun: {},
  node: { all: 'Node has no Web Workers' },
};

for (const kind of ['node', 'web'] as const) {
  const limits = kind === 'web' ? WEB_LIMITS[runtime]! : {};
  const skip = (scenario: string) => limits['all'] ?? limits[scenario] ?? false;
  describe(`dead workers (${runtime}, ${kind === 'node' ? 'node:worker_threads' : 'Web Workers'})`, () => {
    test('a worker that throws before its done(): the wait rejects, naming the worker, with its error as cause', { skip: skip('throw-before') }, async () => {
      assertDied(await run('throw-before', kind), kind === 'node' ? /worker thread \d+ threw .*worker failed before done\(\)/ : /Web Worker #1 threw .*worker failed before done\(\)/, /worker failed before done\(\)/);
    });

    test('a worker that throws after its done(): the wait resolves', { skip: skip('throw-after') }, async () => {
      const outcome = await run('throw-after', kind);
      assert.equal(outcome.outcome, 'resolved', JSON.stringify(outcome));
      assert.equal(outcome.count, 0);
    });

    test('a worker that throws after its done(), with no error listener of the program: its error still ends the program, as without the watch', { skip: kind === 'web' ? 'a Web Worker\'s uncaught error does not end the page\'s program' : runtime === 'deno' ? 'Deno does not end the program on a worker_threads worker\'s uncaught error, watched or not (measured, Deno 2.9)' : false }, async () => {
      const args = runtime === 'deno' ? ['run', '-A', main, 'throw-after-unhandled', kind] : [main, 'throw-after-unhandled', kind];
      const { code, stdout, stderr } = await runNode(args, { env: { NO_COLOR: '1' }, timeout: BOUND_MS });
      assert.notEqual(code, 0, `the program failed (stdout: ${stdout})`);
      assert.match(stderr, /worker failed after done\(\)/);
    });

    test('a worker terminated from the main thread before its done(): the wait rejects', { skip: skip('terminate') }, async () => {
      assertDied(await run('terminate', kind), /was terminated \(terminate\(\)\)/);
    });

    test(`a worker that ends itself before its done() (${kind === 'node' ? 'process.exit(1)' : 'self.close(), process.exit(1) on Bun'}): the wait rejects`, { skip: skip('exit-before') }, async () => {
      const outcome = await run('exit-before', kind);
      // Bun fires 'close' for process.exit(); Deno fires nothing for self.close(): its lease lock is let go.
      assertDied(outcome, kind === 'node' ? /exited with code 1/ : runtime === 'bun' ? /Web Worker #1 closed/ : /Web Worker #1 ended \(self\.close\(\), or a crash\)/);
    });

    test(`a worker that ends itself after its done() (${kind === 'node' ? 'process.exit(1)' : 'self.close(), process.exit(1) on Bun'}): the wait resolves`, { skip: skip('exit-after') }, async () => {
      const outcome = await run('exit-after', kind);
      assert.equal(outcome.outcome, 'resolved', JSON.stringify(outcome));
    });

    test('a worker that never starts (its script does not exist): the wait rejects, with the given name', { skip: skip('never-starts') }, async () => {
      const outcome = await run('never-starts', kind);
      assertDied(outcome, /the missing worker (threw|failed)/);
    });

    test('a worker that ends normally after its done()s, while another still runs: the wait resolves once the other is done', { skip: skip('normal-while-others-run') }, async () => {
      const outcome = await run('normal-while-others-run', kind);
      assert.equal(outcome.outcome, 'resolved', JSON.stringify(outcome));
      assert.ok(outcome.ms >= 300, `it waited for the second worker's done() (${outcome.ms} ms)`);
    });

    test('one of two workers dies: the wait rejects at once, without waiting for the other', { skip: skip('one-of-two-dies') }, async () => {
      const outcome = await run('one-of-two-dies', kind);
      assert.equal(outcome.code, 'ERR_WAITGROUP_WORKER_DIED', JSON.stringify(outcome));
      assert.match(outcome.message!, kind === 'node' ? /worker thread \d+ threw/ : /Web Worker #2 threw/);
      assert.equal(outcome.count, 2, 'both units still owed: the living worker\'s and the dead one\'s');
      assert.ok(outcome.ms < 10_000, `not after the other worker's 10 s (${outcome.ms} ms)`);
    });
  });
}
