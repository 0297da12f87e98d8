// The event-loop keep-alive of SharedWaitGroup.wait(), on Deno and Bun: a script whose only
// remaining work is `await wg.wait()` for unref'd workers must finish, and then exit. Runs the
// fixture of the Node suite (test/fixtures/keep-alive.mjs) with the runtime running this test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HANG_GUARD_MS } from '../support/async.ts';
import { runNode, type Exit } from '../support/child-process.ts';

const script = fileURLToPath(new URL('../fixtures/keep-alive.mjs', import.meta.url));
const isDeno = 'Deno' in globalThis;

/** The keep-alive fixture, run by this runtime (Deno needs `run -A`). */
function run(arg?: string): Promise<Exit> {
  const args = [...(isDeno ? ['run', '-A'] : []), script, ...(arg === undefined ? [] : [arg])];
  return runNode(args, { env: { NO_COLOR: '1' }, timeout: HANG_GUARD_MS });
}

test('`await wg.wait()` for unref\'d workers keeps the process alive until released, then it exits', async () => {
  const [plain, timed] = await Promise.all([run(), run('timeout')]);
  assert.deepEqual({ code: plain.code, stdout: plain.stdout }, { code: 0, stdout: 'released with counter 0\n' }, plain.stderr);
  assert.deepEqual(
    { code: timed.code, stdout: timed.stdout },
    { code: 0, stdout: 'released with counter 0\n' },
    `and exits once released: the timer is cleared (${timed.stderr})`,
  );
});

test('the premise on Deno: a bare pending Atomics.waitAsync does not keep the process alive', { skip: isDeno ? false : 'Deno only: Bun keeps such a process alive (spinning a core), so it would never exit' }, async () => {
  const bare = await run('raw');
  assert.equal(bare.code, 1, `Deno exits with code 1 (${bare.stderr})`);
  assert.match(bare.stderr, /Top-level await promise never resolved/);
  assert.equal(bare.stdout, '');
});
