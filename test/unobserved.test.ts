// Unobserved Group failures are never silent (src/internal/unobserved.ts): a failure that no
// wait() observes becomes an unhandled rejection, `ERR_GROUP_UNOBSERVED_FAILURE` with the task's
// error as `cause`, once nobody can observe it any more: its group collected, or the process
// about to exit. A failure observed late (after other awaits, or by a scope) is never reported.
// Child processes of the runtime running this file: Node here, Deno and Bun in test:runtimes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runNode, type Exit } from './support/child-process.ts';

const fixture = fileURLToPath(new URL('./fixtures/unobserved.mjs', import.meta.url));
const HANG_GUARD_MS = 30_000;
const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';

/** The command line that runs `fixture` in this same runtime, with a gc() where asked. */
function commandLine(mode: string): string[] {
  const gc = mode === 'collected';
  if (runtime === 'deno') return ['run', '-A', ...(gc ? ['--v8-flags=--expose-gc'] : []), fixture, mode];
  if (runtime === 'bun') return [fixture, mode];
  return [...(gc ? ['--expose-gc'] : []), fixture, mode];
}

function run(mode: string): Promise<Exit> {
  return runNode(commandLine(mode), { env: { NO_COLOR: '1' }, timeout: HANG_GUARD_MS });
}

describe(`unobserved Group failures (${runtime})`, () => {
  test('a group never waited for: reported when the process runs out of work, exit code non-zero', async () => {
    const { code, stdout, stderr } = await run('never-waited');
    assert.match(stdout, /script ended/, 'reported at exit, not while the script ran');
    assert.notEqual(code, 0, `exit code ${code}`);
    assert.match(stderr, /ERR_GROUP_UNOBSERVED_FAILURE|a Group task failed and no wait\(\) observed it/);
    assert.match(stderr, /boom/, 'the task\'s error is shown (the cause)');
  });

  // Deno 2.9 and Bun 1.4 did not collect the group in this script (50 forced collections), so
  // there the failure is reported at exit only (the test above); measured, not assumed.
  const collects = runtime === 'node';
  test('a group that becomes unreachable: reported once collected, while the process still runs', { skip: collects ? false : `${runtime} did not collect the group here: the exit report covers it` }, async () => {
    const { code, stdout, stderr } = await run('collected');
    assert.doesNotMatch(stdout, /not reported while running/, `stdout: ${stdout}\nstderr: ${stderr}`);
    assert.notEqual(code, 0);
    assert.match(stderr, /a Group task failed and no wait\(\) observed it/);
  });

  test('a group waited for late, long after it went idle: not reported', async () => {
    const { code, stdout, stderr } = await run('waited-late');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /observed: boom/);
    assert.doesNotMatch(stderr, /observed it/);
  });

  test('a scope whose task fails while the body awaits: observed by the scope, not reported', async () => {
    const { code, stdout, stderr } = await run('scoped');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /observed: boom/);
  });
});
