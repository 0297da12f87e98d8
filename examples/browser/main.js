// The demo page. Plain JavaScript, importing the built package from the server (dist/).
//
// 1. Starts the workers, and waits with an in-thread WaitGroup until each has loaded.
// 2. Without cross-origin isolation there is no SharedArrayBuffer: it explains why, and stops.
// 3. Shows that waitSync() may not block the page's main thread (ERR_WAITGROUP_CANNOT_BLOCK).
// 4. Runs the job: counting workers call done(), a collector worker blocks in waitSync(), and
//    the page awaits wg.wait() while it draws each worker's progress.
//
// Query parameters (for the tests): ?limit=2000000&workers=4
import { SharedWaitGroup, WaitGroup } from '/dist/index.js';

const CHUNK = 10_000;
const params = new URLSearchParams(location.search);
const limit = clamp(Number(params.get('limit') ?? 10_000_000), 1_000, 50_000_000);
const workerCount = clamp(Number(params.get('workers') ?? Math.max(4, navigator.hardwareConcurrency || 4)), 1, 16);

function clamp(value, min, max) {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : min;
}

const $ = (id) => document.getElementById(id);
const format = (n) => n.toLocaleString('en-US');

function setState(state) {
  document.documentElement.dataset.state = state;
}

/** Resolves with the next message of `worker` of type `type`; rejects on an error message. */
function nextMessage(worker, type) {
  return new Promise((resolve, reject) => {
    const onMessage = ({ data }) => {
      if (data.type === 'error') reject(new Error(`worker: ${data.message}`));
      else if (data.type === type) resolve(data);
      else return;
      worker.removeEventListener('message', onMessage);
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', (event) => reject(new Error(`worker failed: ${event.message}`)), { once: true });
  });
}

async function main() {
  $('limit').textContent = format(limit);
  $('worker-count').textContent = String(workerCount);

  // 1. The in-thread WaitGroup: one add per worker, one done() when its module has loaded.
  const url = new URL('/worker.js', location.href);
  const workers = Array.from({ length: workerCount + 1 }, () => new Worker(url, { type: 'module' }));
  const ready = new WaitGroup();
  const loading = performance.now();
  for (const worker of workers) void ready.go(() => nextMessage(worker, 'ready'));
  await ready.wait({ timeout: 30_000 });
  $('ready').innerHTML =
    `<code>ready.go()</code> once per worker, each task settling when its worker says it has loaded the package: ` +
    `<code>await ready.wait()</code> resolved after ${(performance.now() - loading).toFixed(0)} ms, with all ` +
    `${workers.length} workers (${workerCount} counting, 1 collecting) ready.`;

  // 2. Shared memory needs cross-origin isolation.
  if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer !== 'function') {
    $('isolation').textContent = 'Not cross-origin isolated: no SharedArrayBuffer, so no SharedWaitGroup (see below).';
    $('isolation').className = 'status bad';
    $('explanation').hidden = false;
    for (const worker of workers) worker.terminate();
    window.demoResult = { isolated: false, workersReady: workers.length };
    setState('not-isolated');
    return;
  }
  $('isolation').textContent = 'Cross-origin isolated (COOP same-origin, COEP require-corp): SharedArrayBuffer is available.';
  $('isolation').className = 'status ok';
  $('shared').hidden = false;

  // 3. A browser's main thread may not block: waitSync() says so instead of freezing the page.
  let cannotBlock = 'returned (unexpected)';
  const probe = new SharedWaitGroup();
  probe.add(1);
  try {
    probe.waitSync();
  } catch (error) {
    cannotBlock = error.code ?? String(error);
  }
  probe.done();
  $('cannot-block').innerHTML =
    `<code>wg.waitSync()</code> on this page's main thread throws <code>${cannotBlock}</code>: ` +
    'the page uses <code>await wg.wait()</code>; workers may block.';

  // 4. The job.
  const [collector, ...counters] = workers;
  const wg = new SharedWaitGroup();
  const progress = new Int32Array(new SharedArrayBuffer(4 * workerCount));
  const counts = new Int32Array(new SharedArrayBuffer(4 * workerCount));
  const totalChunks = Math.ceil(limit / CHUNK);
  const chunksOf = (index) => Math.max(0, Math.ceil((totalChunks - index) / workerCount));
  const rows = counters.map((_, index) => {
    const row = document.createElement('li');
    row.innerHTML = `<span>worker ${index + 1}</span><progress max="${chunksOf(index)}" value="0"></progress><span></span>`;
    $('progress').append(row);
    return { bar: row.querySelector('progress'), label: row.querySelector('span:last-child') };
  });
  const draw = () => {
    rows.forEach(({ bar, label }, index) => {
      const done = Atomics.load(progress, index);
      bar.value = done;
      label.textContent = `${format(done)} / ${format(chunksOf(index))} chunks`;
    });
  };

  const started = performance.now();
  wg.add(workerCount); // before handing out the tasks
  const collected = nextMessage(collector, 'collected');
  const counted = counters.map((worker) => nextMessage(worker, 'counted'));
  collector.postMessage({ role: 'collect', group: wg, counts });
  counters.forEach((worker, index) =>
    worker.postMessage({ role: 'count', group: wg, index, workers: workerCount, limit, chunk: CHUNK, progress, counts }),
  );
  let frame = requestAnimationFrame(function tick() {
    draw();
    frame = requestAnimationFrame(tick);
  });
  // A worker that fails reports it; the page stops waiting then instead of waiting forever.
  await Promise.race([wg.wait(), ...counted.map((reply) => reply.then(() => new Promise(() => {})))]);
  const ms = performance.now() - started;
  cancelAnimationFrame(frame);
  draw();

  let total = 0;
  for (const primes of counts) total += primes; // plain reads, ordered by wg.wait()
  rows.forEach(({ label }, index) => (label.textContent += `, ${format(counts[index])} primes`));
  $('result').textContent =
    `await wg.wait() resolved: ${format(total)} primes below ${format(limit)}, ` +
    `counted by ${workerCount} workers in ${ms.toFixed(0)} ms.`;
  const { total: collectorTotal, blockedMs } = await collected;
  $('collector').textContent =
    `The collector worker's wg.waitSync() returned after ${blockedMs.toFixed(0)} ms and summed ${format(collectorTotal)}.`;
  for (const worker of workers) worker.terminate();
  window.demoResult = { isolated: true, limit, workers: workerCount, total, collectorTotal, ms, cannotBlock, counts: Array.from(counts) };
  setState('done');
}

main().catch((error) => {
  $('error').hidden = false;
  $('error').textContent = `The demo failed: ${error?.stack ?? error}`;
  window.demoError = String(error?.message ?? error);
  setState('error');
});
