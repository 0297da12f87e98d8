import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WaitGroup } from 'waitgroups';
import { runModule } from './support/child-process.ts';
import { waitGroupContract } from './suites/wait-group-contract.ts';

waitGroupContract('WaitGroup', () => new WaitGroup());
waitGroupContract('WaitGroup in debug mode', () => new WaitGroup({ debug: true }));

// ---------------------------------------------------------------------------------------
// Process-level behaviour, in child processes.

const script = (source: string) => runModule(source);

test('a settled wait({ timeout }) leaves no timer: the process exits at once', async () => {
  // A leaked 10-minute timer would keep the child alive until the runner's timeout.
  const { code, stdout } = await script(`
    import { WaitGroup } from 'waitgroups';
    const wg = new WaitGroup();
    wg.add(1);
    const waiting = wg.wait({ timeout: 600_000, signal: new AbortController().signal });
    wg.done();
    await waiting;
    console.log('released', process.getActiveResourcesInfo().includes('Timeout'));
  `);
  assert.equal(code, 0);
  assert.equal(stdout, 'released false\n');
});

test('ignoring the promise of a failed go() task gives an unhandled rejection', async () => {
  const { code, stderr } = await script(`
    import { WaitGroup } from 'waitgroups';
    const wg = new WaitGroup();
    wg.go(async () => { throw new Error('boom from the task'); });
    await wg.wait();
  `);
  assert.equal(code, 1);
  assert.match(stderr, /boom from the task/);
});

test('a failed go() task whose promise is handled produces no unhandled rejection', async () => {
  const { code, stdout } = await script(`
    import { WaitGroup } from 'waitgroups';
    process.on('unhandledRejection', (reason) => { console.log('unhandled', reason); process.exitCode = 2; });
    const wg = new WaitGroup();
    wg.go(async () => { throw new Error('boom'); }).catch(() => console.log('handled'));
    const controller = new AbortController();
    wg.add(1);
    const aborted = wg.wait({ signal: controller.signal }).catch(() => console.log('abort handled'));
    controller.abort();
    await aborted;
    wg.done();
    await wg.wait();
    await new Promise((resolve) => setTimeout(resolve, 10));
  `);
  assert.equal(code, 0);
  assert.deepEqual(stdout.trim().split('\n').sort(), ['abort handled', 'handled']);
});
