import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  counterOverflow,
  describe,
  invalidArgType,
  invalidArgValue,
  negativeCounter,
  optionsNotObject,
  outOfRange,
  stateLost,
  taskLost,
  type LostTaskInfo,
} from '../errors.js';
import { checkDelta, checkFunction, checkLabel, checkWaitOptions } from '../internal/validate.js';
import { connectionOf, isRedisClient, type Connection } from './connection.js';
import { RedisTask, type LeaseHolder } from './redis-task.js';
import { RedisWait, type WaitSource } from './redis-wait.js';

/** The longest group name, in characters: names go into every key. */
export const MAX_NAME_LENGTH = 512;
/** The longest label or worker name, in characters: they are stored with each task. */
export const MAX_LABEL_LENGTH = 1024;
const MAX_PREFIX_LENGTH = 128;
const MAX_MS = 0x7fff_ffff;
/** How long a verified run_id is trusted without a reconnect in between. */
const RUN_CHECK_MS = 1000;

/** RedisWaitGroupOptions are the options of `new RedisWaitGroup()`. */
export interface RedisWaitGroupOptions {
  /**
   * Prepended to every key and to the channel; default `'waitgroups:'`. Use this instead of
   * node-redis's `keyPrefix`, which prefixes keys but not channels (a client with a
   * `keyPrefix` is refused). No `{` or `}`: the hash tag is the group's name.
   */
  prefix?: string;
  /** The default lease of `task()` and `go()`, in ms; default 30,000 (minimum 100). */
  leaseMs?: number;
  /**
   * Every key of the group expires this many ms after the last write (an abandoned group
   * cleans itself up); default 86,400,000 (one day); 0 for never.
   */
  ttlMs?: number;
  /**
   * How often a pending `wait()` reads the state when no message came, in ms, jittered by
   * ±20 %; default 1,000. A wait also reads at the next lease deadline and after the
   * subscriber reconnects, so a crashed holder is reported within about lease + poll.
   */
  pollMs?: number;
  /** The worker name recorded with this process's tasks; default `host:pid`. */
  worker?: string;
}

/** The options of `task()` and `go()`. */
export interface RedisTaskOptions {
  /** Names the task in errors and in `inspect()`; default `''`. */
  label?: string;
  /** This task's lease in ms; default the group's `leaseMs`. */
  leaseMs?: number;
}

/** The options of `wait()`: as `WaitGroup`'s. */
export interface RedisWaitOptions {
  /** Stops waiting when aborted; the wait rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Stops waiting after this many ms; the wait rejects with `ERR_WAITGROUP_TIMEOUT`. */
  timeout?: number;
}

/** A task in flight or lost, as {@link RedisWaitGroup.inspect} reports it. */
export interface RedisTaskInfo extends LostTaskInfo {
  /** The round the task belongs to. */
  readonly round: number;
  /** When the task started, in ms since the epoch, by the Redis server's clock. */
  readonly started: number;
  /** When its lease ends (or ended), in ms since the epoch, by the Redis server's clock. */
  readonly deadline: number;
}

/** RedisWaitGroupInspection is what {@link RedisWaitGroup.inspect} returns: a snapshot. */
export interface RedisWaitGroupInspection {
  /**
   * `'new'` if the group has no state in Redis and this object never saw any (a group never
   * created, or one whose state vanished before this object first looked); `'active'` if it
   * has state; `'lost'` if this object saw state that has since vanished or been rolled back.
   */
  readonly state: 'new' | 'active' | 'lost';
  /** The current round (generation); 0 when new. */
  readonly round: number;
  /** The counter: plain units (`add`) plus tasks in flight. */
  readonly count: number;
  /** Plain units added with `add()` and not yet done. */
  readonly units: number;
  /** The `wait()` calls of this object still pending (other processes' are not counted). */
  readonly waiters: number;
  /** The tasks in flight, oldest first. */
  readonly tasks: readonly RedisTaskInfo[];
  /** The tasks lost in this round, or else in the last one. */
  readonly lost: readonly (RedisTaskInfo & { readonly lostAt: number })[];
  /** The Redis server's clock when the snapshot was taken, in ms since the epoch. */
  readonly now: number;
}

type Reply = [status: string, ...rest: unknown[]];

/**
 * RedisWaitGroup is Go's `sync.WaitGroup` across processes and machines, on Redis: any
 * process that has a node-redis client (`redis` v6, a client or a `createCluster()` cluster)
 * and the group's name can `add`, `done` and `wait`.
 *
 * Every state change is one atomic Lua script and one round trip (`EVALSHA`, with `EVAL`
 * after a `SCRIPT FLUSH`). A round is a generation, as in `SharedWaitGroup`: a `wait()`
 * belongs to the round in which it was called. Waiters wake on a sharded pub/sub message,
 * which is only a hint: they read the state on every message, on a jittered poll and after
 * a reconnect, so a lost message delays a wait by one poll and never hangs it.
 *
 * ## Crash safety
 * A unit taken with {@link RedisWaitGroup.task} or {@link RedisWaitGroup.go} is held by a
 * lease that this process renews. If the holder dies or stalls past the lease, the task is
 * removed from the counter and recorded as lost; every `wait()` of that round rejects with
 * `WaitGroupError` `ERR_WAITGROUP_TASK_LOST`, naming the tasks, and a late `done()` is refused
 * with `ERR_WAITGROUP_LEASE_LOST`. Units of plain `add()` have no lease: a process that dies
 * holding one leaves the round waiting (until `timeout`), as in Go. Prefer tasks.
 *
 * ## Lost state
 * If the group's keys vanish (restart without persistence, `FLUSHALL`, eviction, `ttlMs`) or
 * the server restarts without AOF (its RDB snapshot may be older than the truth), every call
 * and every pending `wait()` of an object that had seen the state rejects with
 * `ERR_WAITGROUP_STATE_LOST`; the object stays lost (make a new one to start afresh).
 * A group that was never created reads as a new `WaitGroup`, at zero: an object tells the two
 * apart by what it saw, so create the object and call `add()` (or `inspect()`) before handing
 * the name to others, and let waiters in other processes wait only after the group exists.
 *
 * ## Misuse
 * As `WaitGroup`: `ERR_WAITGROUP_NEGATIVE_COUNTER` with Go's message, a `RangeError` past
 * 2^31-1, `TypeError`/`RangeError` naming a bad argument, thrown synchronously; nothing
 * changes. A plain `done()` cannot spend a unit held by a task: the units of `add()` and the
 * tasks are counted apart, and each can only go down to zero.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { RedisWaitGroup } from 'waitgroups/redis';
 *
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const wg = new RedisWaitGroup(client, 'jobs:42');
 * for (const file of ['a.png', 'b.png']) {
 *   void wg.go(async (signal) => {
 *     await fetch(`https://example.com/${file}`, { signal });
 *   }, { label: file });
 * }
 * await wg.wait({ timeout: 60_000 });
 * await client.close();
 * ```
 */
export class RedisWaitGroup {
  readonly #connection: Connection;
  readonly #name: string;
  readonly #keys: readonly string[];
  readonly #channel: string;
  readonly #leaseMs: number;
  readonly #ttl: string;
  readonly #pollMs: number;
  readonly #worker: string;
  readonly #nonce = randomBytes(6).toString('hex');
  readonly #holder: LeaseHolder;
  #epoch = '';
  // The server's run_id as last verified, with the connection's resets then and the time.
  #run = '';
  #runResets = -1;
  #runAt = 0;
  #lost: Error | null = null;
  #waiters = 0;
  readonly #source: WaitSource;

  /**
   * Creates the handle of the group `name` on `client`; it touches Redis only when used.
   *
   * @param client - a connected node-redis v6 client (`createClient()`) or cluster
   *   (`createCluster()`), without `keyPrefix`
   * @param name - the group's name: 1 to 512 characters; `{`, `}` and `%` are escaped in keys
   * @param options - `{ prefix, leaseMs, ttlMs, pollMs, worker }` (see
   *   {@link RedisWaitGroupOptions})
   * @throws `TypeError` for a client that is not node-redis's or has a `keyPrefix`, a name or
   *   an option of the wrong type; `RangeError` for one out of range
   */
  constructor(client: object, name: string, options: RedisWaitGroupOptions = {}) {
    if (!isRedisClient(client)) {
      throw invalidArgType(`The "client" argument must be a node-redis client or cluster. Received ${describe(client)}`);
    }
    checkText(name, 'name', MAX_NAME_LENGTH);
    if (name === '') throw outOfRange('The "name" argument must not be empty');
    if (typeof options !== 'object' || options === null) {
      throw optionsNotObject(options);
    }
    const prefix = options.prefix ?? 'waitgroups:';
    checkText(prefix, 'options.prefix', MAX_PREFIX_LENGTH);
    if (/[{}]/.test(prefix)) {
      throw outOfRange(`The "options.prefix" property must not contain "{" or "}". Received ${describe(prefix)}`);
    }
    this.#leaseMs = checkMs(options.leaseMs, 'options.leaseMs', 30_000, 100);
    this.#ttl = String(checkMs(options.ttlMs, 'options.ttlMs', 86_400_000, 0));
    this.#pollMs = checkMs(options.pollMs, 'options.pollMs', 1000, 10);
    this.#worker = options.worker ?? `${hostname()}:${process.pid}`;
    checkText(this.#worker, 'options.worker', MAX_LABEL_LENGTH);
    this.#connection = connectionOf(client);
    if (this.#connection.keyPrefix !== undefined) {
      throw invalidArgValue(
        'The "client" argument has a keyPrefix, which node-redis applies to keys but not to channels: create the client without it and pass the "prefix" option of RedisWaitGroup instead',
      );
    }
    this.#name = name;
    const base = `${prefix}{${name.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}}`;
    this.#keys = ['s', 't', 'l', 'x', 'd'].map((suffix) => `${base}:${suffix}`);
    this.#channel = `${base}:c`;
    this.#holder = {
      name,
      renew: async (id, leaseMs) => ((await this.#call('renew', String(id), String(leaseMs)))[0] === 'ok' ? 'ok' : 'lease'),
      finish: async (id) => (await this.#call('done', String(id)))[0] as 'ok' | 'dup' | 'lease',
    };
    this.#source = {
      name,
      connection: this.#connection,
      channel: this.#channel,
      pollMs: this.#pollMs,
      epoch: () => this.#epoch,
      read: async (round) => {
        const reply = await this.#call('read', round);
        if (reply[0] === 'none') return null;
        return { round: Number(reply[2]), count: Number(reply[3]), lost: String(reply[4]), nextDeadline: Number(reply[5]) };
      },
      failIfLost: (round, lost) => {
        if (lost !== '') throw taskLost(name, round, parseTasks(lost));
      },
    };
  }

  /** name is the group's name, as given. */
  get name(): string {
    return this.#name;
  }

  /** keys are the Redis keys of the group (state, tasks, leases, lost, done), all in one slot. */
  get keys(): readonly string[] {
    return this.#keys;
  }

  /** channel is the sharded pub/sub channel of the group, in the same slot as its keys. */
  get channel(): string {
    return this.#channel;
  }

  /**
   * add adds `delta`, which may be negative, to the counter's plain units, in one round trip.
   * When the counter reaches zero, the round ends and every pending `wait()` of it resolves.
   *
   * @param delta - a safe integer; default 1
   * @throws `TypeError` (synchronously) if `delta` is not a safe integer
   * @throws `RangeError` if the counter would exceed 2^31-1; `WaitGroupError`
   *   `ERR_WAITGROUP_NEGATIVE_COUNTER` if the plain units would go below zero;
   *   `ERR_WAITGROUP_STATE_LOST` if the state was lost. Whatever it rejects with, the counter
   *   is unchanged.
   *
   * @example
   * ```ts
   * import { createClient } from 'redis';
   * import { RedisWaitGroup } from 'waitgroups/redis';
   *
   * const client = await createClient().connect();
   * const wg = new RedisWaitGroup(client, 'import');
   * await wg.add(3);
   * await wg.add(-3);
   * await wg.wait(); // resolves at once
   * await client.close();
   * ```
   */
  add(delta = 1): Promise<void> {
    checkDelta(delta);
    return this.#add(delta);
  }

  /**
   * done decrements the counter's plain units by one: `add(-1)`. Not retry-safe (a repeated
   * call counts twice); use a task's `done()` where a call may be retried.
   *
   * @throws `WaitGroupError` `ERR_WAITGROUP_NEGATIVE_COUNTER` (`sync: negative WaitGroup
   *   counter`) if no plain unit is left; the counter is unchanged
   *
   * @example
   * ```ts
   * import { createClient } from 'redis';
   * import { RedisWaitGroup } from 'waitgroups/redis';
   *
   * const client = await createClient().connect();
   * const wg = new RedisWaitGroup(client, 'import');
   * await wg.add(1);
   * await wg.done();
   * await client.close();
   * ```
   */
  done(): Promise<void> {
    return this.#add(-1);
  }

  async #add(delta: number): Promise<void> {
    const reply = await this.#call('add', String(delta));
    if (reply[0] === 'neg') throw negativeCounter();
    if (reply[0] === 'ovf') throw counterOverflow(Number(reply[1]), delta);
  }

  /**
   * task takes one unit of the counter as a lease-held task, in one round trip, and returns
   * its handle; the lease is renewed in the background while this process lives.
   *
   * @param options - `{ label, leaseMs }`; label up to 1,024 characters
   * @throws `TypeError`/`RangeError` (synchronously) for bad options; `RangeError` if the
   *   counter is at 2^31-1; `ERR_WAITGROUP_STATE_LOST` if the state was lost
   *
   * @example
   * ```ts
   * import { createClient } from 'redis';
   * import { RedisWaitGroup } from 'waitgroups/redis';
   *
   * const client = await createClient().connect();
   * const wg = new RedisWaitGroup(client, 'import');
   * const task = await wg.task({ label: 'part 1', leaseMs: 5000 });
   * await task.done();
   * await client.close();
   * ```
   */
  task(options: RedisTaskOptions = {}): Promise<RedisTask> {
    const [label, leaseMs] = this.#checkTaskOptions(options);
    return this.#task(label, leaseMs);
  }

  async #task(label: string, leaseMs: number): Promise<RedisTask> {
    const reply = await this.#call('task', String(leaseMs), label, this.#worker);
    if (reply[0] === 'ovf') throw counterOverflow(Number(reply[1]), 1);
    return new RedisTask(this.#holder, Number(reply[4]), label, this.#worker, leaseMs);
  }

  /**
   * go runs `fn(signal)` as a lease-held task: `task()`, then `fn`, then the task's `done()`,
   * whatever `fn`'s outcome. `signal` aborts if the lease is lost, so that the work can stop.
   *
   * @param fn - the task; receives the task's `AbortSignal`
   * @param options - `{ label, leaseMs }`; the label defaults to `fn.name`
   * @throws `TypeError` (synchronously) if `fn` is not a function; rejects with `fn`'s error,
   *   or with `ERR_WAITGROUP_LEASE_LOST` (with `fn`'s error as `cause`, if any) if the lease
   *   was lost, in which case the task was not counted as done
   *
   * @example
   * ```ts
   * import { createClient } from 'redis';
   * import { RedisWaitGroup } from 'waitgroups/redis';
   *
   * const client = await createClient().connect();
   * const wg = new RedisWaitGroup(client, 'import');
   * const size = await wg.go(async (signal) => (await fetch('https://example.com', { signal })).status, { label: 'fetch' });
   * await client.close();
   * ```
   */
  go<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, options: RedisTaskOptions = {}): Promise<Awaited<T>> {
    checkFunction(fn, 'fn');
    const [label, leaseMs] = this.#checkTaskOptions(options, fn.name);
    return this.#go(fn, label, leaseMs);
  }

  async #go<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, label: string, leaseMs: number): Promise<Awaited<T>> {
    const task = await this.#task(label, leaseMs);
    let result: Awaited<T>;
    try {
      result = await fn(task.signal);
    } catch (error) {
      await task.done().catch((doneError: unknown) => {
        if (doneError instanceof Error && doneError.cause === undefined) doneError.cause = error;
        throw doneError;
      });
      throw error;
    }
    await task.done();
    return result;
  }

  #checkTaskOptions(options: RedisTaskOptions, defaultLabel = ''): [string, number] {
    if (typeof options !== 'object' || options === null) {
      throw optionsNotObject(options);
    }
    const label = options.label ?? defaultLabel;
    checkLabel(label);
    if (label.length > MAX_LABEL_LENGTH) {
      throw outOfRange(`The "label" argument must be at most ${MAX_LABEL_LENGTH} characters long. Received ${label.length}`);
    }
    return [label, checkMs(options.leaseMs, 'options.leaseMs', this.#leaseMs, 100)];
  }

  /**
   * wait resolves when the counter of the round in which it was called reaches zero.
   *
   * At zero (or for a group never created) it resolves after one read. Otherwise it reads,
   * subscribes to the group's channel, reads again (so that a round ending in between is not
   * missed) and then wakes on a message, on a jittered poll (`pollMs`, earlier at the next
   * lease deadline) or after a reconnect, reading the state each time.
   *
   * ## Cancellation
   * - `signal`: rejects with `signal.reason`; one already aborted rejects at once.
   * - `timeout`: rejects with `WaitGroupError` `ERR_WAITGROUP_TIMEOUT`; `0` rejects at once
   *   unless the counter is zero.
   * - A pending wait keeps the process alive (even on a client you unref'd), as `WaitGroup`'s
   *   does; a wait that settles, however, leaves no listener, no timer and no subscription
   *   behind (the subscriber connection itself closes after 2 s idle and never keeps a
   *   process alive).
   *
   * @throws `TypeError`/`RangeError` (synchronously) for bad options
   * @returns a promise that resolves at the end of the round, or rejects with
   *   `ERR_WAITGROUP_TASK_LOST` (a task of the round lost its lease), `ERR_WAITGROUP_STATE_LOST`,
   *   `ERR_WAITGROUP_TIMEOUT`, `signal.reason`, or `ERR_WAITGROUP_UNREACHABLE` "Redis is unreachable" (the
   *   client's error as its `cause`) if reads kept failing for 10 s
   *
   * @example
   * ```ts
   * import { createClient } from 'redis';
   * import { RedisWaitGroup } from 'waitgroups/redis';
   *
   * const client = await createClient().connect();
   * const wg = new RedisWaitGroup(client, 'import');
   * await wg.wait({ timeout: 60_000 });
   * await client.close();
   * ```
   */
  wait(options?: RedisWaitOptions): Promise<void> {
    const { signal, timeout } = options === undefined ? { signal: undefined, timeout: undefined } : checkWaitOptions(options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#waiters++;
    return new RedisWait(this.#source, signal, timeout).waiter.promise.finally(() => this.#waiters--);
  }

  /**
   * inspect returns a snapshot of the group, in one round trip: its state, round, counter,
   * the tasks in flight with their worker, label and lease deadline, and the tasks lost.
   *
   * @throws `ERR_WAITGROUP_STATE_LOST` if the state this object saw was lost
   *
   * @example
   * ```ts
   * import { createClient } from 'redis';
   * import { RedisWaitGroup } from 'waitgroups/redis';
   *
   * const client = await createClient().connect();
   * const wg = new RedisWaitGroup(client, 'import');
   * const { count, tasks } = await wg.inspect();
   * console.log(count, tasks.map((task) => `${task.label} on ${task.worker}`));
   * await client.close();
   * ```
   */
  async inspect(): Promise<RedisWaitGroupInspection> {
    const reply = await this.#call('inspect');
    if (reply[0] === 'none') {
      return { state: 'new', round: 0, count: 0, units: 0, waiters: this.#waiters, tasks: [], lost: [], now: Date.now() };
    }
    const values = reply[5] as string[];
    const ids = reply[6] as string[];
    const tasks = values
      .map((value, i) => ({ ...(JSON.parse(value) as Omit<RedisTaskInfo, 'id'>), id: Number(ids[i]) }))
      .sort((a, b) => a.id - b.id);
    const lost = parseTasks(String(reply[7]) || String(reply[8]));
    return {
      state: 'active',
      round: Number(reply[2]),
      count: Number(reply[3]),
      units: Number(reply[4]),
      waiters: this.#waiters,
      tasks,
      lost,
      now: Number(reply[9]),
    };
  }

  /** Runs one operation of the script; a lost state rejects this call and every later one. */
  async #call(op: string, ...args: string[]): Promise<Reply> {
    if (this.#lost !== null) throw this.#lost;
    // Verify the server's run_id (a restart) after any reconnect or error, and at least once a
    // second; in between the script trusts the one passed.
    const now = performance.now();
    const verify = this.#runResets !== this.#connection.resets || now - this.#runAt > RUN_CHECK_MS;
    const reply = (await this.#connection.run(this.#keys, [this.#epoch, this.#ttl, this.#channel, this.#nonce, op, verify ? '' : this.#run, ...args])) as Reply;
    const last = reply[reply.length - 1];
    if (typeof last === 'string' && last.startsWith('run:')) {
      reply.pop();
      this.#run = last.slice(4);
      this.#runResets = this.#connection.resets;
      this.#runAt = now;
    }
    if (reply[0] === 'lost') {
      this.#lost ??= stateLost(this.#name, String(reply[1]));
      throw this.#lost;
    }
    if (reply[0] === 'ok' || reply[0] === 'dup' || reply[0] === 'lease') this.#epoch = String(reply[1]);
    return reply;
  }
}

function parseTasks(json: string): (RedisTaskInfo & { lostAt: number })[] {
  if (json === '') return [];
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? (parsed as (RedisTaskInfo & { lostAt: number })[]) : [];
}

function checkText(value: unknown, name: string, max: number): asserts value is string {
  const kind = name.includes('.') ? 'property' : 'argument';
  if (typeof value !== 'string') throw invalidArgType(`The "${name}" ${kind} must be a string. Received ${describe(value)}`);
  if (value.length > max) {
    throw outOfRange(`The "${name}" ${kind} must be at most ${max} characters long. Received ${value.length}`);
  }
}

function checkMs(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value)) {
    throw (typeof value === 'number' ? invalidArgValue : invalidArgType)(`The "${name}" property must be an integer number of milliseconds. Received ${describe(value)}`);
  }
  if ((value as number) < min || (value as number) > MAX_MS) {
    throw outOfRange(`The "${name}" property must be >= ${min} and <= ${MAX_MS}. Received ${value as number}`);
  }
  return value as number;
}
