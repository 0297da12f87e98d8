// The browser: the demo page of examples/browser/ in Chromium (Debian's `chromium`, driven by
// playwright-core), served by its own server. The page's job gives the right answer, with the
// page's `await wg.wait()` and a worker's `waitSync()`; `waitSync()` on the page's main thread
// throws ERR_WAITGROUP_CANNOT_BLOCK; without cross-origin isolation the page explains itself.
// The screenshot of the finished page is written to .cache/browser-demo.png (ignored), or to
// $WAITGROUPS_SCREENSHOT: `npm run demo:screenshot` refreshes the README's docs/browser-demo.png.
//
// Chromium: $CHROMIUM_PATH, default /usr/bin/chromium. If it is absent the suite is skipped with a
// message, unless WAITGROUPS_REQUIRE_ALL_RUNTIMES=1 (CI), which makes that a failure.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../examples/browser/server.ts';

const HANG_GUARD_MS = 60_000;
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const requireAll = process.env['WAITGROUPS_REQUIRE_ALL_RUNTIMES'] === '1';
const screenshot = resolve(process.env['WAITGROUPS_SCREENSHOT'] ?? fileURLToPath(new URL('../.cache/browser-demo.png', import.meta.url)));

const absent = existsSync(executablePath)
  ? undefined
  : `no Chromium at ${executablePath} (install Debian's \`chromium\`, or set CHROMIUM_PATH)`;
if (absent !== undefined) {
  console.log(
    requireAll
      ? `Browser suite FAILED: ${absent}; WAITGROUPS_REQUIRE_ALL_RUNTIMES=1 requires it.`
      : `Browser suite SKIPPED: ${absent}.`,
  );
}
const skip = absent !== undefined && !requireAll ? `Browser suite skipped: ${absent}` : false;

// The page's globals, as far as the functions evaluated in the page use them (this project's
// tsconfig has Node's types, not the DOM's).
declare const document: { documentElement: { dataset: Record<string, string | undefined> } };
declare const window: { demoResult: DemoResult; demoError?: string };
declare const crossOriginIsolated: boolean;
declare class Worker {
  constructor(url: string, options: { type: 'module' });
  onmessage: ((event: { data: WorkerReply }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}

interface WorkerReply {
  type: string;
  total?: number;
  message?: string;
}

interface DemoResult {
  isolated: boolean;
  limit?: number;
  workers?: number;
  total?: number;
  collectorTotal?: number;
  cannotBlock?: string;
  counts?: number[];
  workersReady?: number;
}

describe('browser: the demo page in Chromium', { skip }, () => {
  let browser: Browser;
  let isolated: DemoServer;
  let plain: DemoServer;
  const pageErrors: string[] = [];

  before(async () => {
    assert.equal(absent, undefined, absent ?? 'Chromium is present');
    [isolated, plain] = await Promise.all([startDemoServer(), startDemoServer({ isolate: false })]);
    browser = await chromium.launch({
      executablePath,
      headless: true,
      timeout: HANG_GUARD_MS,
      args: [
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    console.log(`Chromium ${browser.version()} (${executablePath})`);
  });

  after(async () => {
    await browser?.close();
    await Promise.all([isolated?.close(), plain?.close()]);
  });

  async function open(server: DemoServer, query = ''): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    page.setDefaultTimeout(HANG_GUARD_MS);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${server.url}${query}`);
    // A hang guard, not a timing assertion: the page sets data-state when it has finished.
    await page.waitForFunction(() => document.documentElement.dataset['state'] !== 'loading', null, { timeout: HANG_GUARD_MS });
    return page;
  }

  test('the job: 4 workers count the primes below 10,000,000; await wg.wait() and a worker\'s waitSync() both see 664,579', async () => {
    const page = await open(isolated, '?workers=4');
    try {
      const state = await page.evaluate(() => document.documentElement.dataset['state']);
      const error = await page.evaluate(() => window.demoError);
      assert.equal(state, 'done', `the page finished its job (error: ${error ?? 'none'})`);
      assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'the page is cross-origin isolated');
      const result = await page.evaluate(() => window.demoResult);
      assert.equal(result.isolated, true);
      assert.equal(result.limit, 10_000_000);
      assert.equal(result.workers, 4);
      assert.equal(result.total, 664_579, 'π(10^7): the counts the page read after await wg.wait()');
      assert.equal(result.collectorTotal, 664_579, 'the counts the collector worker read after wg.waitSync()');
      assert.equal(result.counts?.length, 4);
      assert.ok((result.counts ?? []).every((count) => count > 0), `every worker counted its share: ${String(result.counts)}`);
      assert.equal(result.cannotBlock, 'ERR_WAITGROUP_CANNOT_BLOCK');
      assert.match(await page.locator('#result').innerText(), /664,579 primes below 10,000,000/);
      assert.match(await page.locator('#collector').innerText(), /waitSync\(\) returned .* summed 664,579/);
      assert.match(await page.locator('#ready').innerText(), /all 5 workers \(4 counting, 1 collecting\) ready/);
      for (const bar of await page.locator('#progress progress').all()) {
        const [value, max] = await bar.evaluate((element) => [(element as unknown as { value: number }).value, (element as unknown as { max: number }).max]);
        assert.equal(value, max, 'every progress bar is full');
      }
      mkdirSync(dirname(screenshot), { recursive: true });
      rmSync(screenshot, { force: true }); // so that a stale file cannot pass for this run's
      await page.screenshot({ path: screenshot, fullPage: true });
      assert.ok(existsSync(screenshot), `the screenshot was written to ${screenshot}`);
      assert.deepEqual(pageErrors, [], 'no error on the page or in its console');
    } finally {
      await page.close();
    }
  });

  test('waitSync() on the page\'s main thread throws ERR_WAITGROUP_CANNOT_BLOCK and withdraws its registration', async () => {
    const page = await open(isolated, '?limit=1000&workers=1');
    try {
      const outcome = await page.evaluate(async () => {
        const { SharedWaitGroup, WaitGroupError } = await import('/dist/index.js' as string);
        const wg = new SharedWaitGroup();
        wg.add(1);
        try {
          wg.waitSync();
          return { threw: false };
        } catch (error) {
          const e = error as { name: string; code: string; message: string; cause?: { name?: string } };
          return {
            threw: true,
            isWaitGroupError: error instanceof WaitGroupError,
            name: e.name,
            code: e.code,
            message: e.message,
            cause: e.cause?.name,
            waiters: wg.waiters,
            count: wg.count,
          };
        }
      });
      assert.equal(outcome.threw, true, 'waitSync() threw instead of blocking the page');
      assert.equal(outcome.isWaitGroupError, true, 'a WaitGroupError');
      assert.equal(outcome.code, 'ERR_WAITGROUP_CANNOT_BLOCK');
      assert.match(outcome.message ?? '', /await wg\.wait\(\)/, 'the message says what to do instead');
      assert.equal(outcome.cause, 'TypeError', "the engine's refusal is the cause");
      assert.equal(outcome.waiters, 0, 'the registration was withdrawn');
      assert.equal(outcome.count, 1, 'the counter is untouched');
    } finally {
      await page.close();
    }
  });

  test('waitSync() inside a Web Worker blocks until the page calls done(), then returns', async () => {
    const page = await open(isolated, '?limit=1000&workers=1');
    try {
      const outcome = await page.evaluate(async (guardMs: number) => {
        const { SharedWaitGroup } = await import('/dist/index.js' as string);
        const wg = new SharedWaitGroup();
        const counts = new Int32Array(new SharedArrayBuffer(8));
        const worker = new Worker('/worker.js', { type: 'module' });
        const replies: WorkerReply[] = [];
        worker.onmessage = ({ data }) => replies.push(data);
        // Polling loops written out: a helper function held in a variable here would be compiled
        // with tsx's __name(), which does not exist in the page.
        const deadline = performance.now() + guardMs;
        while (!replies.some((reply) => reply.type === 'ready')) {
          if (performance.now() > deadline) throw new Error('hang guard: the worker to load');
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        wg.add(1);
        worker.postMessage({ role: 'collect', group: wg, counts });
        while (wg.waiters !== 1) {
          if (performance.now() > deadline) throw new Error('hang guard: the worker to block in waitSync()');
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        const beforeDone = replies.filter((reply) => reply.type !== 'ready').length;
        counts[0] = 20;
        counts[1] = 22; // plain writes, published by done()
        wg.done();
        while (!replies.some((reply) => reply.type !== 'ready')) {
          if (performance.now() > deadline) throw new Error('hang guard: the worker to return from waitSync()');
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        worker.terminate();
        return { beforeDone, reply: replies.find((reply) => reply.type !== 'ready'), waiters: wg.waiters };
      }, HANG_GUARD_MS);
      assert.equal(outcome.beforeDone, 0, 'the worker did not return while the counter was 1');
      assert.equal(outcome.reply?.type, 'collected', `the worker returned from waitSync() (${JSON.stringify(outcome.reply)})`);
      assert.equal(outcome.reply?.total, 42, 'and saw the writes made before done()');
      assert.equal(outcome.waiters, 0);
    } finally {
      await page.close();
    }
  });

  for (const fallback of [false, true]) {
    const title = fallback
      ? 'without Atomics.waitAsync (Firefox before 145, Safari before 16.4), await wg.wait() still resolves: the polling fallback'
      : 'await wg.wait() on the main thread resolves when a worker calls done()';
    test(title, async () => {
      const page = await open(isolated, '?limit=1000&workers=1');
      try {
        const outcome = await page.evaluate(async ([guardMs, withoutWaitAsync]: [number, boolean]) => {
          const { SharedWaitGroup } = await import('/dist/index.js' as string);
          const hadWaitAsync = typeof (Atomics as { waitAsync?: unknown }).waitAsync === 'function';
          if (withoutWaitAsync) delete (Atomics as { waitAsync?: unknown }).waitAsync;
          const wg = new SharedWaitGroup();
          const progress = new Int32Array(new SharedArrayBuffer(4));
          const counts = new Int32Array(new SharedArrayBuffer(4));
          const worker = new Worker('/worker.js', { type: 'module' });
          wg.add(1);
          const waiting = wg.wait();
          const registered = wg.waiters;
          worker.postMessage({ role: 'count', group: wg, index: 0, workers: 1, limit: 100_000, chunk: 10_000, progress, counts });
          let timer: ReturnType<typeof setTimeout> | undefined;
          const guard = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hang guard'), guardMs)));
          const settled = await Promise.race([waiting.then(() => 'resolved'), guard]);
          clearTimeout(timer);
          worker.terminate();
          return { hadWaitAsync, registered, settled, count: wg.count, waiters: wg.waiters, primes: counts[0], chunks: progress[0] };
        }, [HANG_GUARD_MS, fallback] as [number, boolean]);
        assert.equal(outcome.hadWaitAsync, true, 'Chromium has Atomics.waitAsync (removed for the fallback test)');
        assert.equal(outcome.registered, 1, 'the wait registered in shared memory');
        assert.equal(outcome.settled, 'resolved', 'await wg.wait() resolved');
        assert.equal(outcome.count, 0);
        assert.equal(outcome.waiters, 0);
        assert.equal(outcome.primes, 9_592, 'π(100,000), written by the worker before done()');
        assert.equal(outcome.chunks, 10);
      } finally {
        await page.close();
      }
    });
  }

  test('without cross-origin isolation the page explains why, and the in-thread WaitGroup still works', async () => {
    const page = await open(plain);
    try {
      assert.equal(await page.evaluate(() => document.documentElement.dataset['state']), 'not-isolated');
      assert.equal(await page.evaluate(() => crossOriginIsolated), false, 'the page is not cross-origin isolated');
      assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'undefined', 'and has no SharedArrayBuffer');
      const explanation = page.locator('#explanation');
      assert.equal(await explanation.isVisible(), true, 'the explanation is shown');
      const text = await explanation.innerText();
      assert.match(text, /not cross-origin isolated/);
      assert.match(text, /Cross-Origin-Opener-Policy: same-origin/);
      assert.match(text, /Cross-Origin-Embedder-Policy: require-corp/);
      assert.match(text, /npm run demo:browser/);
      assert.equal(await page.locator('#shared').isVisible(), false, 'the shared job is not shown');
      assert.match(await page.locator('#ready').innerText(), /await ready\.wait\(\) resolved .* ready/);
      assert.match(await page.locator('#isolation').innerText(), /Not cross-origin isolated/);
    } finally {
      await page.close();
    }
  });

  test('no page raised an error, in its scripts or in its console', () => {
    assert.deepEqual(pageErrors, [], 'errors seen on the pages above');
  });
});
