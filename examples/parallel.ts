// A CPU-bound job split across worker threads, coordinated by one SharedWaitGroup: main creates
// the group, each worker attaches to it by buffer and byteOffset and calls done(), main awaits
// wait(). The same job then runs in one thread, for the time against it.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SharedWaitGroup } from 'waitgroups';

const LIMIT = 3_000_000;

/** Counts the primes below `limit` with `threads` workers; returns the count and the time. */
async function countPrimes(threads: number, limit = LIMIT): Promise<{ primes: number; ms: number }> {
  const started = performance.now();
  const wg = new SharedWaitGroup();
  const counts = new Int32Array(new SharedArrayBuffer(4 * threads));
  wg.add(threads); // before starting the tasks, as in Go
  for (let index = 0; index < threads; index++) {
    new Worker(new URL('./parallel-worker.mjs', import.meta.url), {
      execArgv: [], // plain JavaScript: no need for the TypeScript loader this script runs under
      workerData: { buffer: wg.buffer, byteOffset: wg.byteOffset, counts, index, threads, limit },
    });
  }
  await wg.wait(); // every worker's plain write to `counts` is visible from here on
  return { primes: counts.reduce((sum, count) => sum + count, 0), ms: performance.now() - started };
}

const threads = availableParallelism();
await countPrimes(threads, 10_000); // warm-up: the first worker of a process starts slower
const parallel = await countPrimes(threads);
const single = await countPrimes(1);
console.log(`${parallel.primes} primes below ${LIMIT.toLocaleString('en')} (one thread found ${single.primes})`);
console.log(`${threads} worker threads coordinated by one SharedWaitGroup: ${parallel.ms.toFixed(0)} ms`);
console.log(`1 worker thread: ${single.ms.toFixed(0)} ms; speed-up ${(single.ms / parallel.ms).toFixed(1)}x`);
