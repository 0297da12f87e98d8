// Worker threads for the SharedWaitGroup tests: the fixtures of test/fixtures/ (plain .mjs
// that import the built package), started, heard from and stopped with hang guards.
// node:worker_threads: Node, and Deno's and Bun's own.
import { Worker } from 'node:worker_threads';
import { guard } from './async.ts';

const fixtures = new URL('../fixtures/', import.meta.url);
const workers = new Set<Worker>();
// Each worker's exit, recorded from its start: a worker may exit before a test asks for it, and
// 'exit' is emitted once, to the listeners present then (Deno's and Node 24's workers exit fast).
const exits = new WeakMap<Worker, Promise<number>>();

/** Starts the fixture `file` of test/fixtures/ with `workerData`. */
export function startWorker(file: string, workerData?: unknown): Worker {
  const worker = new Worker(new URL(file, fixtures), { workerData });
  workers.add(worker);
  worker.once('exit', () => workers.delete(worker));
  exits.set(worker, new Promise<number>((resolve) => worker.once('exit', resolve)));
  return worker;
}

/** Terminates every worker still running (an `afterEach`). */
export async function terminateWorkers(): Promise<void> {
  await Promise.all([...workers].map((worker) => worker.terminate()));
}

/** The next message of `worker`; rejects if it fails or exits first. */
export function nextMessage<T = Record<string, unknown>>(worker: Worker, label = 'a message from the worker'): Promise<T> {
  return guard(
    new Promise<T>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before posting`)));
    }),
    label,
  );
}

/** The exit code of `worker`, once it has exited; rejects if it fails. */
export function exited(worker: Worker): Promise<number> {
  return guard(
    new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      void exits.get(worker)!.then(resolve);
    }),
    'the worker to exit',
  );
}
