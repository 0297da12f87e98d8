// The event-loop keep-alive of SharedWaitGroup.wait(), on Deno and Bun: a script whose only
// remaining work is `await wg.wait()` for unref'd workers must finish, and then exit. Runs the
// fixture of the Node suite (test/fixtures/keep-alive.mjs) with the runtime running this test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HANG_GUARD_MS = 20_000;
const script = fileURLToPath(new URL('../fixtures/keep-alive.mjs', import.meta.url));
const isDeno = 'Deno' in globalThis;

function run(arg?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = [...(isDeno ? ['run', '-A'] : []), script, ...(arg === undefined ? [] : [arg])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hang guard: keep-alive child ${arg ?? ''} still running after ${HANG_GUARD_MS} ms`));
    }, HANG_GUARD_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
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
