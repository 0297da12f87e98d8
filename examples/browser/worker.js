// A Web Worker of the demo. It imports the built package from the server, says it is ready,
// then does one job:
// - 'count': counts the primes in its share of [0, limit) (chunks dealt round-robin), publishing
//   its progress with Atomics.store, writes its count with a plain write, then wg.done();
// - 'collect': blocks in wg.waitSync() until every counting worker is done, then sums their
//   counts: the plain writes made before each done() are visible once waitSync() returns.
import { SharedWaitGroup } from '/dist/index.js';

function isPrime(n) {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

function count({ wg, index, workers, limit, chunk, progress, counts }) {
  try {
    let primes = 0;
    let chunks = 0;
    for (let start = index * chunk; start < limit; start += workers * chunk) {
      const end = Math.min(start + chunk, limit);
      for (let n = start; n < end; n++) if (isPrime(n)) primes++;
      Atomics.store(progress, index, ++chunks);
    }
    counts[index] = primes; // a plain write: wg.done() publishes it
  } finally {
    wg.done(); // Go's `defer wg.Done()`
  }
}

function collect({ wg, counts }) {
  const started = performance.now();
  wg.waitSync(); // a worker may block; the page's main thread may not
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return { total, blockedMs: performance.now() - started };
}

self.onmessage = ({ data }) => {
  try {
    // The group arrives as a structured clone of the page's SharedWaitGroup: { buffer, byteOffset }.
    const wg = new SharedWaitGroup(data.group.buffer, data.group.byteOffset);
    if (data.role === 'count') {
      count({ ...data, wg });
      self.postMessage({ type: 'counted', index: data.index });
    } else {
      self.postMessage({ type: 'collected', ...collect({ ...data, wg }) });
    }
  } catch (error) {
    self.postMessage({ type: 'error', message: `${error?.name ?? 'Error'}: ${error?.message ?? error}`, code: error?.code });
  }
};

self.postMessage({ type: 'ready' });
