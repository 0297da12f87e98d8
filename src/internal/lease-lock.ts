// The lease lock: how SharedWaitGroup.watch() learns that a Web Worker ended itself. A Web Worker
// that calls self.close() (or crashes) fires no event on its Worker object, in browsers and on
// Deno; but the Web Locks it holds are released when it ends. So the group that watch() hands a
// Web Worker (its lease) carries a lock name in memory after its 16 bytes; the worker takes that
// lock when it attaches (the SharedWaitGroup constructor), holds it for as long as it lives, and
// raises a flag once it holds it. When the flag is up, the watching thread requests the same
// lock, which it is granted only when the worker has ended. No timer, no message, no change to
// the worker's code.
//
// A lease's buffer, LEASE_BYTE_LENGTH bytes:
//   +0..+15   the group (BYTE_LENGTH bytes, as any group)
//   +16..+23  LEASE_MAGIC, a BigInt64: this is a lease
//   +24..+31  the lock's id: two random Uint32 words
//   +32..+35  the flag, an Int32: 0 not held yet, 1 held by the worker, 2 the watch has ended
//
// Only the flag orders the two sides: the watching thread requests the lock after the worker
// holds it, so its grant can only mean that the worker has let go. A worker that ends before its
// lock is granted (in the same turn of its event loop as it attaches) may not be seen: a missed
// report, never a false one. Node's worker_threads workers are not Web Workers and take no lock
// (their 'exit' event says it all; on Deno a held lock would keep such a worker alive).
import { BYTE_LENGTH } from './shared-state.js';

/** Bytes of a lease's buffer: the group, then the lock's marker, id and flag. */
export const LEASE_BYTE_LENGTH = BYTE_LENGTH + 24;
const MAGIC_OFFSET = BYTE_LENGTH;
const ID_OFFSET = BYTE_LENGTH + 8;
const FLAG_OFFSET = BYTE_LENGTH + 16;
/** "WGLEASE1" in ASCII. */
const LEASE_MAGIC = 0x5747_4c45_4153_4531n;
const NOT_HELD = 0;
const HELD = 1;
const ENDED = 2;

interface Locks {
  request(name: string, options: { signal?: AbortSignal }, callback: () => unknown): Promise<unknown>;
}

function locks(): Locks | undefined {
  const found = (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks;
  return typeof found?.request === 'function' ? found : undefined;
}

function lockName(buffer: SharedArrayBuffer): string {
  const id = new Uint32Array(buffer, ID_OFFSET, 2);
  return `waitgroups:lease:${Atomics.load(id, 0).toString(16)}${Atomics.load(id, 1).toString(16).padStart(8, '0')}`;
}

/** Makes `buffer`, a fresh zero-filled buffer of {@link LEASE_BYTE_LENGTH} bytes, a lease: marker and id. */
export function markLease(buffer: SharedArrayBuffer): void {
  const id = new Uint32Array(buffer, ID_OFFSET, 2);
  id[0] = (Math.random() * 2 ** 32) >>> 0;
  id[1] = (Math.random() * 2 ** 32) >>> 0;
  Atomics.store(new BigInt64Array(buffer, MAGIC_OFFSET, 1), 0, LEASE_MAGIC);
}

/** Lock names this thread has requested: a lease attached twice takes its lock once. */
let requested: Set<string> | undefined;

/**
 * Takes the lease's lock, in a Web Worker that attaches to a lease (anything else returns at
 * once), and raises the flag when it holds it. The lock is held until the worker ends.
 */
export function holdLeaseLock(buffer: SharedArrayBuffer, byteOffset: number): void {
  if (byteOffset !== 0 || buffer.byteLength !== LEASE_BYTE_LENGTH) return;
  if (Atomics.load(new BigInt64Array(buffer, MAGIC_OFFSET, 1), 0) !== LEASE_MAGIC) return;
  const scope = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;
  const lockManager = locks();
  if (typeof scope !== 'function' || !(globalThis instanceof scope) || lockManager === undefined) return;
  const name = lockName(buffer);
  if ((requested ??= new Set()).has(name)) return;
  requested.add(name);
  const flag = new Int32Array(buffer, FLAG_OFFSET, 1);
  lockManager
    .request(name, {}, () => {
      Atomics.compareExchange(flag, 0, NOT_HELD, HELD);
      Atomics.notify(flag, 0);
      return new Promise<never>(noop); // held for the worker's life
    })
    .catch(noop); // no lock (a context that refuses it): the worker is just not watched this way
}

function noop(): void {}

/**
 * Calls `ended` once the Web Worker that attached to the lease in `buffer` has ended, if this
 * runtime can tell (Web Locks and `Atomics.waitAsync`). Returns the function that stops watching.
 */
export function watchLeaseLock(buffer: SharedArrayBuffer, ended: () => void): () => void {
  const lockManager = locks();
  const waitAsync = (Atomics as { waitAsync?: (array: Int32Array, index: number, value: number) => { async: boolean; value: unknown } }).waitAsync;
  if (lockManager === undefined || typeof waitAsync !== 'function') return noop;
  const flag = new Int32Array(buffer, FLAG_OFFSET, 1);
  const stopped = new AbortController();
  const request = (): void => {
    if (Atomics.load(flag, 0) !== HELD) return; // the watch ended
    lockManager.request(lockName(buffer), { signal: stopped.signal }, () => {
      if (!stopped.signal.aborted) ended();
    }).catch(noop); // aborted: the watch ended first
  };
  const result = waitAsync(flag, 0, NOT_HELD);
  if (result.async) void (result.value as Promise<unknown>).then(request);
  else request();
  return () => {
    stopped.abort();
    // Ends the waitAsync above if the worker never took its lock.
    if (Atomics.compareExchange(flag, 0, NOT_HELD, ENDED) === NOT_HELD) Atomics.notify(flag, 0);
  };
}
