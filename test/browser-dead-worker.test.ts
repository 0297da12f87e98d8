// Dead Web Workers in Chromium (SharedWaitGroup.watch): a cross-origin isolated page, served on
// loopback by a server of this file (the built package under /dist/, the worker below as
// /worker.js, an empty page as /), runs each case and reports how `await wg.wait()` ended. The
// Node, Deno and Bun cases are in test/dead-worker.test.ts.
//
// Chromium: $CHROMIUM_PATH, default /usr/bin/chromium; absent, the suite is skipped with a
// message, unless WAITGROUPS_REQUIRE_ALL_RUNTIMES=1 (CI).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

const HANG_GUARD_MS = 60_000;
/** The bound for one case, enforced in the page. */
const BOUND_MS = 15_000;
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const requireAll = process.env['WAITGROUPS_REQUIRE_ALL_RUNTIMES'] === '1';
const absent = existsSync(executablePath) ? undefined : `no Chromium at ${executablePath}`;
const skip = absent !== undefined && !requireAll ? `Chromium suite skipped: ${absent}` : false;

interface Outcome {
  outcome: 'resolved' | 'rejected' | 'hang';
  code?: string;
  message?: string;
  cause?: string;
  count?: number;
}

// The worker's source: the job comes as the first message, { group, mode, delay }.
const WORKER_SOURCE = `// A worker of test/browser-dead-worker.test.ts.
// A Web Worker's unhandled rejection does not reach the page (no error event on the Worker, in
// Chromium): this line makes it an uncaught error, which does.
self.onunhandledrejection = (event) => {
  throw event.reason;
};
self.onmessage = async ({ data }) => {
  const { SharedWaitGroup } = await import('/dist/index.js');
  const wg = new SharedWaitGroup(data.group.buffer, data.group.byteOffset);
  await new Promise((resolve) => setTimeout(resolve, data.delay));
  if (data.mode === 'throw-before') throw new Error('worker failed before done()');
  if (data.mode === 'hang') return;
  if (data.mode === 'exit-before') return self.close();
  wg.done();
  if (data.mode === 'throw-after') throw new Error('worker failed after done()');
  if (data.mode === 'exit-after') self.close();
};`;

// The page's side of a case: watch the workers, then report how the wait ended, within the bound.
const PAGE_SOURCE = `async ([scenario, bound]) => {
  const { SharedWaitGroup } = await import('/dist/index.js');
  function start(mode, delay = 20, script = '/worker.js') {
    return (group) => {
      const worker = new Worker(script, { type: 'module' });
      worker.postMessage({ group, mode, delay });
      return worker;
    };
  }
  const wg = new SharedWaitGroup();
  const workers = [];
  if (scenario === 'terminate') {
    const worker = wg.watch(start('hang'));
    setTimeout(() => worker.terminate(), 50);
  } else if (scenario === 'never-starts') {
    wg.watch(start('done', 0, '/no-such-worker.js'), { name: 'the missing worker' });
  } else if (scenario === 'normal-while-others-run') {
    workers.push(wg.watch(start('done', 0)), wg.watch(start('done', 300)));
  } else if (scenario === 'one-of-two-dies') {
    workers.push(wg.watch(start('done', 10000)), wg.watch(start('throw-before')));
  } else {
    workers.push(wg.watch(start(scenario)));
    if (scenario === 'throw-after') workers[0].addEventListener('error', (event) => event.preventDefault());
  }
  let guard;
  const outcome = await Promise.race([
    wg.wait().then(
      () => ({ outcome: 'resolved', count: wg.count }),
      (error) => ({
        outcome: 'rejected',
        code: error.code,
        message: error.message,
        cause: error.cause instanceof Error ? error.cause.message : String(error.cause),
        count: wg.count,
      }),
    ),
    new Promise((resolve) => (guard = setTimeout(() => resolve({ outcome: 'hang' }), bound))),
  ]);
  clearTimeout(guard);
  for (const worker of workers) worker.terminate();
  return outcome;
}`;

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** The page, the worker and dist/*.js (names of lower-case words only), on loopback. */
function serve(): Promise<Server> {
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'Content-Type': type, ...ISOLATION });
      response.end(body);
    };
    if (path === '/') return send(200, 'text/html', '<!doctype html><title>dead workers</title>');
    if (path === '/worker.js') return send(200, 'text/javascript', WORKER_SOURCE);
    const file = /^\/dist\/((?:[a-z0-9-]+\/)*[a-z0-9-]+\.js)$/.exec(path)?.[1];
    if (file === undefined) return send(404, 'text/plain', 'not found');
    readFile(dist + file, 'utf8').then(
      (body) => send(200, 'text/javascript', body),
      () => send(404, 'text/plain', 'not found'),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('browser: dead Web Workers in Chromium', { skip }, () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  let page: Page;

  before(async () => {
    assert.equal(absent, undefined, absent ?? 'Chromium is present');
    server = await serve();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath,
      headless: true,
      timeout: HANG_GUARD_MS,
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    page = await browser.newPage();
    page.setDefaultTimeout(HANG_GUARD_MS);
    await page.goto(`${origin}/`);
    assert.equal(await page.evaluate('crossOriginIsolated'), true, 'the page is cross-origin isolated');
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  function run(scenario: string): Promise<Outcome> {
    // A string, not a function: tsx would add its own helpers (__name) to a function's source.
    return page.evaluate(`(${PAGE_SOURCE})(${JSON.stringify([scenario, BOUND_MS])})`) as Promise<Outcome>;
  }

  test('a worker that throws before its done(): the wait rejects, naming it, with its error as cause', async () => {
    const outcome = await run('throw-before');
    assert.equal(outcome.code, 'ERR_WAITGROUP_WORKER_DIED', JSON.stringify(outcome));
    assert.match(outcome.message!, /Web Worker #\d+ threw .*worker failed before done\(\) while it still owed 1 done\(\)/);
    assert.match(outcome.cause!, /worker failed before done\(\)/);
    assert.equal(outcome.count, 1);
  });

  test('a worker that throws after its done(): the wait resolves', async () => {
    assert.deepEqual(await run('throw-after'), { outcome: 'resolved', count: 0 });
  });

  test('a worker that ends itself (self.close()) before its done(): the wait rejects (its lease lock is let go)', async () => {
    const outcome = await run('exit-before');
    assert.equal(outcome.code, 'ERR_WAITGROUP_WORKER_DIED', JSON.stringify(outcome));
    assert.match(outcome.message!, /Web Worker #\d+ ended \(self\.close\(\), or a crash\) while it still owed 1 done\(\)/);
    assert.equal(outcome.count, 1);
  });

  test('a worker that ends itself (self.close()) after its done(): the wait resolves', async () => {
    assert.deepEqual(await run('exit-after'), { outcome: 'resolved', count: 0 });
  });

  test('a worker terminated before its done(): the wait rejects', async () => {
    const outcome = await run('terminate');
    assert.equal(outcome.code, 'ERR_WAITGROUP_WORKER_DIED', JSON.stringify(outcome));
    assert.match(outcome.message!, /was terminated \(terminate\(\)\)/);
  });

  test('a worker whose script does not exist: the wait rejects, with the given name', async () => {
    const outcome = await run('never-starts');
    assert.equal(outcome.code, 'ERR_WAITGROUP_WORKER_DIED', JSON.stringify(outcome));
    assert.match(outcome.message!, /^waitgroups: the missing worker /);
  });

  test('a worker done while another still runs: the wait resolves', async () => {
    assert.deepEqual(await run('normal-while-others-run'), { outcome: 'resolved', count: 0 });
  });

  test('one of two workers dies: the wait rejects without waiting for the other', async () => {
    const outcome = await run('one-of-two-dies');
    assert.equal(outcome.code, 'ERR_WAITGROUP_WORKER_DIED', JSON.stringify(outcome));
    assert.equal(outcome.count, 2);
  });
});
