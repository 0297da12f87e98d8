// A worker that dies before its done() makes wait() reject instead of hanging forever.
import { Worker } from 'node:worker_threads';
import { SharedWaitGroup, WaitGroupError } from 'waitgroups';

const wg = new SharedWaitGroup();
for (const job of ['ok', 'crash']) {
  // The one line: start the worker with a group of its own, owing one done(), and watch it.
  wg.watch((group) => new Worker(new URL('./dead-worker-worker.mjs', import.meta.url), { execArgv: [], workerData: { group, job } }));
}
try {
  await wg.wait();
} catch (error) {
  if (!(error instanceof WaitGroupError)) throw error;
  console.log(`${error.code}: ${error.message}`);
  console.log(`cause: ${(error.cause as Error).message}`);
}
