// SharedWaitGroup with the Web Worker API of Deno and Bun: `new Worker(url, { type: 'module' })`,
// the group posted with postMessage. (The cross-thread suite of test/shared-wait-group-threads.test.ts
// runs there too, through their node:worker_threads.) Not run on Node, which has no Web Workers.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { SharedWaitGroup } from 'waitgroups';
import { guard, HANG_GUARD_MS, until } from '../support/async.ts';

const fixture = new URL('./fixtures/web-worker.mjs', import.meta.url);
const WebWorker = (globalThis as { Worker?: new (url: URL, options: { type: 'module' }) => WebWorkerLike }).Worker;

interface WebWorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
}

interface Reply {
  outcome: 'done' | 'registering' | 'returned' | 'threw';
  count?: number;
  code?: string;
  message?: string;
}

const started = new Set<WebWorkerLike>();

/** A worker whose replies are queued, so that none is lost before it is awaited. */
function start(): { worker: WebWorkerLike; next(label: string): Promise<Reply> } {
  assert.ok(WebWorker !== undefined, 'this runtime has a global Worker (Web Workers)');
  const worker = new WebWorker(fixture, { type: 'module' });
  started.add(worker);
  const queue: Reply[] = [];
  const pending: ((reply: Reply) => void)[] = [];
  let failure: Error | undefined;
  const failed: ((error: Error) => void)[] = [];
  worker.addEventListener('message', (event) => {
    const reply = event.data as Reply;
    const take = pending.shift();
    if (take) take(reply);
    else queue.push(reply);
  });
  worker.addEventListener('error', (event) => {
    failure = new Error(`worker error: ${event.message ?? 'unknown'}`);
    for (const reject of failed.splice(0)) reject(failure);
  });
  return {
    worker,
    next(label) {
      return new Promise<Reply>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`hang guard: ${label} after ${HANG_GUARD_MS} ms`)), HANG_GUARD_MS);
        const done = (reply: Reply) => {
          clearTimeout(timer);
          resolve(reply);
        };
        const queued = queue.shift();
        if (queued) return done(queued);
        if (failure) {
          clearTimeout(timer);
          return reject(failure);
        }
        pending.push(done);
        failed.push((error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    },
  };
}

describe('SharedWaitGroup with Web Workers', () => {
  afterEach(() => {
    for (const worker of started) worker.terminate();
    started.clear();
  });

  test('8 workers write their result, then done(); await wait() on the main thread sees every write', async () => {
    const n = 8;
    const wg = new SharedWaitGroup();
    const results = new Int32Array(new SharedArrayBuffer(4 * n)).fill(-1);
    wg.add(n);
    const workers = Array.from({ length: n }, () => start());
    workers.forEach(({ worker }, index) => worker.postMessage({ group: wg, job: 'square', index, results }));
    await guard(wg.wait(), 'wg.wait()');
    assert.deepEqual(Array.from(results), Array.from({ length: n }, (_, i) => i * i), 'every plain write made before done() is visible');
    assert.equal(wg.count, 0, 'the counter is back to zero');
  });

  for (const job of ['waitSync', 'wait'] as const) {
    test(`${job}() inside a Web Worker returns once the main thread's done() releases it`, async () => {
      const wg = new SharedWaitGroup();
      wg.add(1);
      const { worker, next } = start();
      worker.postMessage({ group: { buffer: wg.buffer, byteOffset: wg.byteOffset }, job, timeout: HANG_GUARD_MS });
      assert.deepEqual(await next('the worker to start'), { outcome: 'registering' });
      await until(() => wg.waiters === 1, 'the worker to register as a waiter');
      const reply = next(`the ${job}() to return`);
      let early = false;
      void reply.then(() => (early = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(early, false, `${job}() did not return while the counter was 1`);
      wg.done();
      assert.deepEqual(await reply, { outcome: 'returned', count: 0 });
      assert.equal(wg.waiters, 0, 'its registration was consumed by the release');
    });
  }

  test('waitSync({ timeout }) in a Web Worker gives up with ERR_WAITGROUP_TIMEOUT and withdraws', async () => {
    const wg = new SharedWaitGroup();
    wg.add(2);
    const { worker, next } = start();
    worker.postMessage({ group: wg, job: 'waitSync', timeout: 30 });
    assert.deepEqual(await next('the worker to start'), { outcome: 'registering' });
    const reply = await next('the timed-out waitSync');
    assert.equal(reply.outcome, 'threw', `waitSync threw (${JSON.stringify(reply)})`);
    assert.equal(reply.code, 'ERR_WAITGROUP_TIMEOUT');
    assert.match(reply.message ?? '', /counter at 2\b/);
    assert.equal(wg.waiters, 0, 'the timed-out waiter withdrew');
    assert.equal(wg.count, 2, 'the counter is untouched');
  });
});
