import { WaitGroupError, leaseLost, taskAlreadyDone } from '../errors.js';

/** What a RedisTask needs from its group: renew and finish its lease by id. */
export interface LeaseHolder {
  readonly name: string;
  renew(id: number, leaseMs: number): Promise<'ok' | 'lease'>;
  finish(id: number): Promise<'ok' | 'dup' | 'lease'>;
}

/**
 * RedisTask is one unit of a {@link RedisWaitGroup}'s counter held by a lease, made by
 * `wg.task()`: the cross-process form of Go's `defer wg.Done()`. While this process lives
 * the lease is renewed in the background, about every third of `leaseMs`; if the process
 * dies or stalls past the lease, the group removes the task and records it as lost, and
 * every `wait()` of the round rejects with `ERR_WAITGROUP_TASK_LOST`.
 *
 * ## Misuse and retries
 * - {@link RedisTask.done} is retry-safe: if a call failed on the way (a connection error),
 *   calling it again counts the task once, whether or not the first call reached Redis.
 * - Once a `done()` has resolved, another `done()` rejects with `WaitGroupError`
 *   `ERR_WAITGROUP_TASK_ALREADY_DONE`, as `TaskHandle` does.
 * - A `done()` after the lease was lost is refused and not counted: `ERR_WAITGROUP_LEASE_LOST`.
 *
 * ## Cancellation
 * {@link RedisTask.signal} aborts, with the `ERR_WAITGROUP_LEASE_LOST` error as its reason,
 * when the lease is found lost (a renewal refused, or renewals failing until the deadline
 * passed), so that the work can stop: someone else may already be redoing it.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { RedisWaitGroup } from 'waitgroups/redis';
 *
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const wg = new RedisWaitGroup(client, 'jobs:42');
 * const task = await wg.task({ label: 'resize a.png', leaseMs: 10_000 });
 * try {
 *   await fetch('https://example.com/a.png', { signal: task.signal });
 * } finally {
 *   await task.done();
 * }
 * await client.close();
 * ```
 */
export class RedisTask {
  /** The task's id in its group, which is also its fencing token: it grows with each task. */
  readonly id: number;
  /** The label given to `task({ label })`; `''` when none was. */
  readonly label: string;
  /** The worker name recorded with the task (`host:pid` by default). */
  readonly worker: string;
  readonly #holder: LeaseHolder;
  readonly #leaseMs: number;
  readonly #controller = new AbortController();
  #deadline: number;
  #renewal: ReturnType<typeof setTimeout> | undefined;
  #finishing: Promise<void> | null = null;
  #done = false;

  /** @internal Made by `wg.task()`; `deadline` is the lease's end by this process's clock. */
  constructor(holder: LeaseHolder, id: number, label: string, worker: string, leaseMs: number) {
    this.#holder = holder;
    this.id = id;
    this.label = label;
    this.worker = worker;
    this.#leaseMs = leaseMs;
    this.#deadline = performance.now() + leaseMs;
    this.#schedule();
  }

  /** signal aborts when the lease is lost; its reason is the `ERR_WAITGROUP_LEASE_LOST` error. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** isDone is whether a `done()` has resolved. */
  get isDone(): boolean {
    return this.#done;
  }

  /**
   * done marks the task done in its group, once, and stops the lease renewal.
   *
   * @throws `WaitGroupError` `ERR_WAITGROUP_LEASE_LOST` if the lease was lost (not counted);
   *   `ERR_WAITGROUP_TASK_ALREADY_DONE` if a `done()` already resolved;
   *   `ERR_WAITGROUP_STATE_LOST` if the group's state is gone; a connection error as is, after
   *   which `done()` may be called again
   */
  done(): Promise<void> {
    if (this.#done) {
      return Promise.reject(taskAlreadyDone(this.label));
    }
    if (this.#finishing === null) {
      clearTimeout(this.#renewal);
      this.#renewal = undefined;
      this.#finishing = this.#holder.finish(this.id).then(
        (outcome) => {
          this.#finishing = null;
          if (outcome === 'lease') {
            const error = leaseLost(this.#holder.name, this);
            this.#lose(error);
            throw error;
          }
          this.#done = true;
        },
        (error: unknown) => {
          // A connection error: the task may or may not be counted; a retry counts it once.
          this.#finishing = null;
          throw error;
        },
      );
    }
    return this.#finishing;
  }

  #schedule(): void {
    this.#renewal = setTimeout(() => void this.#renew(), Math.max(1, Math.floor(this.#leaseMs / 3)));
    // The lease must not keep a process alive: a process with nothing else to do has ended
    // its work, and if the task was not done, the lease lapses and the task is reported lost.
    this.#renewal.unref?.();
  }

  async #renew(): Promise<void> {
    const started = performance.now();
    try {
      const outcome = await this.#holder.renew(this.id, this.#leaseMs);
      if (this.#finishing !== null || this.#done) return;
      if (outcome === 'lease') return this.#lose(leaseLost(this.#holder.name, this));
      this.#deadline = started + this.#leaseMs;
    } catch (error) {
      if (this.#finishing !== null || this.#done) return;
      if (error instanceof WaitGroupError) return this.#lose(error);
      // Unreachable Redis: keep trying until the lease must have run out.
      if (performance.now() >= this.#deadline) return this.#lose(leaseLost(this.#holder.name, this, error));
    }
    this.#schedule();
  }

  #lose(error: WaitGroupError): void {
    clearTimeout(this.#renewal);
    this.#renewal = undefined;
    if (!this.#controller.signal.aborted) this.#controller.abort(error);
  }
}
