// How SharedWaitGroup.watch() learns that a worker is gone: Node's worker_threads Worker (an
// EventEmitter: 'online', 'error', 'exit') or a Web Worker (an EventTarget: 'error'; Bun's
// 'close'; nothing at all for terminate(), so the instance's terminate() is wrapped; nothing for
// self.close() either, so the lease's lock is watched: lease-lock.ts). Each is told apart by its
// methods; the listeners are removed by the function that watchWorker returns.
import { watchLeaseLock } from './lease-lock.js';

/** A `node:worker_threads` `Worker`, as far as {@link SharedWaitGroup.watch} uses it. */
export interface NodeWorkerLike {
  /** The worker's thread id, which names it in `ERR_WAITGROUP_WORKER_DIED`. */
  readonly threadId?: number;
  /** Adds a listener: `'online'`, `'error'`, `'exit'` are watched. */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Removes a listener added by `on`. */
  off(event: string, listener: (...args: never[]) => void): unknown;
  /** Stops the worker; watched, since a terminated worker owes its units for good. */
  terminate(): unknown;
}

/** A Web Worker (browsers, Deno, Bun), as far as {@link SharedWaitGroup.watch} uses it. */
export interface WebWorkerLike {
  /** Adds a listener: `'error'` (and Bun's `'close'`) are watched. */
  addEventListener(type: string, listener: (event: never) => void): void;
  /** Removes a listener added by `addEventListener`. */
  removeEventListener(type: string, listener: (event: never) => void): void;
  /** Stops the worker; the instance's own `terminate()` is wrapped to see it. */
  terminate(): void;
}

/** A worker that {@link SharedWaitGroup.watch} can watch. */
export type WatchableWorker = NodeWorkerLike | WebWorkerLike;

/** Called once when the worker is gone (or may be: a Web Worker's uncaught error). */
export type OnGone = (how: string, cause: unknown) => void;

function isNodeWorker(worker: WatchableWorker): worker is NodeWorkerLike {
  return typeof (worker as NodeWorkerLike).on === 'function' && typeof (worker as NodeWorkerLike).off === 'function';
}

/** Whether `value` can be watched: it has the methods of one of the two worker kinds. */
export function isWatchable(value: unknown): value is WatchableWorker {
  if (typeof value !== 'object' || value === null || typeof (value as WatchableWorker).terminate !== 'function') return false;
  return isNodeWorker(value as WatchableWorker) || typeof (value as WebWorkerLike).addEventListener === 'function';
}

/** An error in one line. Bun's error events carry the source excerpt too: its `error: …` line is kept. */
function shown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  const text = String(error);
  return /^error: (.*)$/m.exec(text)?.[1] ?? text.split('\n')[0]!;
}

let webWorkers = 0;

/** The name a worker gets in the error when none is given. */
export function defaultName(worker: WatchableWorker): string {
  if (isNodeWorker(worker) && typeof worker.threadId === 'number') return `worker thread ${worker.threadId}`;
  return `Web Worker #${++webWorkers}`;
}

/**
 * Watches `worker`, which was handed the lease in `lease`; calls `gone` once it is gone.
 * Returns the function that stops watching. `owes()` says whether the worker still owes units:
 * only then is its error taken over (reported through the waits); otherwise it goes where it
 * would without the watch (an uncaught error of a Node worker nobody listens to is thrown in
 * this thread; a Web Worker's error event is not cancelled).
 */
export function watchWorker(worker: WatchableWorker, lease: SharedArrayBuffer, owes: () => boolean, gone: OnGone): () => void {
  let watching = true;
  let terminated = false;
  const own = Object.prototype.hasOwnProperty.call(worker, 'terminate');
  const ownTerminate = (worker as { terminate: unknown }).terminate;
  const terminate = worker.terminate;
  const report: OnGone = (how, cause) => {
    if (!watching) return;
    stop();
    gone(how, cause);
  };
  // terminate() is wrapped on the instance: a Web Worker reports nothing when terminated, and a
  // Node worker's 'exit' code (1) does not say it was terminated.
  (worker as { terminate: () => unknown }).terminate = function (this: unknown, ...args: unknown[]) {
    terminated = true;
    const result = (terminate as (...a: unknown[]) => unknown).apply(this, args);
    if (!isNodeWorker(worker)) report('was terminated (terminate())', undefined);
    return result;
  };
  let stop: () => void;
  if (isNodeWorker(worker)) {
    let online = false;
    let error: { value: unknown } | undefined;
    const onOnline = (): void => {
      online = true;
    };
    const onError = (value: unknown): void => {
      error ??= { value };
      if (owes()) return;
      // It owes nothing: its death does not matter to the group, and its error goes where it would
      // without the watch. If this is the only listener, an emitter would throw it: so does this.
      const listeners = (worker as { listenerCount?: (event: string) => number }).listenerCount?.('error') ?? 1;
      stop();
      if (listeners === 1) throw value;
    };
    const onExit = (code: number): void => {
      if (terminated) report('was terminated (terminate())', error?.value);
      else if (error !== undefined) report(online ? `threw ${shown(error.value)}` : `failed to start: ${shown(error.value)}`, error.value);
      else report(`exited with code ${code}`, undefined);
    };
    worker.on('online', onOnline);
    worker.on('error', onError);
    worker.on('exit', onExit);
    stop = () => {
      watching = false;
      worker.off('online', onOnline);
      worker.off('error', onError);
      worker.off('exit', onExit);
      restore();
    };
  } else {
    const onError = (event: { error?: unknown; message?: string; preventDefault?: () => void }): void => {
      if (owes()) event.preventDefault?.(); // reported through the waits instead
      const cause = event.error instanceof Error ? event.error : event.message;
      report(cause === undefined ? 'failed (an error event: it did not start, or threw)' : `threw ${shown(cause)}`, cause);
    };
    const onClose = (): void => report('closed', undefined);
    worker.addEventListener('error', onError);
    worker.addEventListener('close', onClose);
    // self.close() and crashes fire no event: the lease's lock is let go instead (lease-lock.ts).
    const stopLock = watchLeaseLock(lease, () => report('ended (self.close(), or a crash)', undefined));
    stop = () => {
      watching = false;
      worker.removeEventListener('error', onError);
      worker.removeEventListener('close', onClose);
      stopLock();
      restore();
    };
  }
  function restore(): void {
    if (own) (worker as { terminate: unknown }).terminate = ownTerminate;
    else delete (worker as { terminate?: unknown }).terminate;
  }
  return () => {
    if (watching) stop();
  };
}
