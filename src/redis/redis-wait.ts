// One `wait()` of a RedisWaitGroup: the owner of a CancellableWaiter (src/internal/waiter.ts),
// which gives it the signal, the timeout and their clean-up; this class adds what Redis needs:
// the reads, the subscription and the poll.
import { redisUnreachable, stateLost, waitTimedOut } from '../errors.js';
import { CancellableWaiter, type WaiterOwner } from '../internal/waiter.js';
import type { ChannelListener, Connection } from './connection.js';

/** How long reads may keep failing before a wait reports Redis unreachable. */
const UNREACHABLE_MS = 10_000;

/** One read of a group's state; `null` for a group never created. */
export type WaitState = { round: number; count: number; lost: string; nextDeadline: number } | null;

/** What a {@link RedisWait} needs from its group (one object per group, shared by its waits). */
export interface WaitSource {
  readonly name: string;
  readonly connection: Connection;
  readonly channel: string;
  readonly pollMs: number;
  /** The epoch of the group's state, as last read (it begins a clean round's message). */
  epoch(): string;
  /** Reads the state (and reaps expired leases); `round` is `''` before the first read. */
  read(round: string): Promise<WaitState>;
  /** Throws `ERR_WAITGROUP_TASK_LOST` if `lost` names tasks of `round`. */
  failIfLost(round: number, lost: string): void;
}

/**
 * RedisWait is one pending `wait()`: it reads the state, subscribes to the group's channel,
 * reads again (so that a round ending in between is not missed), then reads on every message,
 * on a jittered poll (earlier at the next lease deadline) and after a reconnect, until its
 * round has ended or failed. Leaving stops the poll and unsubscribes.
 */
export class RedisWait implements WaiterOwner {
  readonly waiter: CancellableWaiter;
  readonly #source: WaitSource;
  readonly #timeout: number | undefined;
  /** The round of this wait; -1 until the first read. */
  #round = -1;
  /** The counter as last read, for the timeout message. */
  #count = 0;
  #left = false;
  #unsubscribe: (() => void) | null = null;
  #poll: ReturnType<typeof setTimeout> | undefined;
  #reading = false;
  #again = false;
  #failures = 0;
  #failingSince = 0;
  readonly #onMessage: ChannelListener;
  readonly #onPoll: () => void;

  /** Starts a wait; the caller has checked the options and that the signal has not aborted. */
  constructor(source: WaitSource, signal: AbortSignal | undefined, timeout: number | undefined) {
    this.#source = source;
    this.#timeout = timeout;
    this.#onMessage = (message) => {
      // `epoch|round|end` ends the round cleanly: resolve without another read. Anything else
      // (a lost task, a failed round, a reconnect) is a reason to read.
      if (this.#round >= 0 && message === `${this.#source.epoch()}|${this.#round}|end`) this.#finish();
      else void this.#read();
    };
    this.#onPoll = () => void this.#read();
    // The waiter's timer and signal count from the call, so that a read stuck in the client's
    // offline queue cannot hold a wait past its timeout. Not `timeout: 0`: a zero timer could
    // fire before the first read, and a wait at zero must resolve; the first read decides it.
    // The keep-alive holds the event loop while the wait has no timer: a read in flight on a
    // client that the user unref'd holds nothing, and the poll timer exists only between reads.
    this.waiter = new CancellableWaiter(this, 0, signal, timeout === 0 ? undefined : timeout, true);
    void this.#read();
  }

  /** The wait gives up or fails: stop polling and unsubscribe. It always leaves (a released wait has settled already). */
  leave(): boolean {
    this.#left = true;
    clearTimeout(this.#poll);
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    return true;
  }

  timeoutError(): unknown {
    return waitTimedOut(this.#timeout ?? 0, this.#count);
  }

  /** The round ended: resolve. */
  #finish(): void {
    if (this.#left) return;
    this.leave();
    this.waiter.settle();
  }

  #fail(error: unknown): void {
    if (!this.#left) this.waiter.fail(error);
  }

  #subscribe(): void {
    this.#source.connection.subscribe(this.#source.channel, this.#onMessage).then(
      (off) => {
        if (this.#left) return off();
        this.#unsubscribe = off;
        void this.#read(); // the second read: a round that ended before the subscription is seen
      },
      // No subscription (an ACL without the channel): polls still end the wait.
      () => void this.#read(),
    );
  }

  #schedule(nextDeadline: number): void {
    clearTimeout(this.#poll);
    let delay = this.#source.pollMs * (0.8 + 0.4 * Math.random());
    if (nextDeadline >= 0) delay = Math.min(delay, nextDeadline + 5);
    this.#poll = setTimeout(this.#onPoll, delay);
  }

  async #read(): Promise<void> {
    if (this.#left) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    let next = -1;
    try {
      const round = this.#round;
      const state = await this.#source.read(round < 0 ? '' : String(round));
      if (this.#left) return; // aborted or timed out meanwhile: nothing to subscribe or schedule
      this.#failures = 0;
      if (round < 0) {
        // The first read: at zero (or never created) there is nothing to wait for.
        if (state === null || state.count === 0) return this.#finish();
        this.#round = state.round;
        this.#count = state.count;
        this.#source.failIfLost(state.round, state.lost);
        if (this.#timeout === 0) return this.waiter.giveUp(true);
        return this.#subscribe();
      }
      if (state === null || state.round > round) {
        if (state?.lost) this.#source.failIfLost(round, state.lost);
        return this.#finish();
      }
      if (state.round < round) throw stateLost(this.#source.name, 'rollback');
      this.#source.failIfLost(round, state.lost);
      this.#count = state.count;
      next = state.nextDeadline;
    } catch (error) {
      // Transient failures (a reconnect, a failover, a user disabled for a while) are polled
      // through; reads failing for 10 s (three at least) are reported, so that a wait never
      // hangs silently on a dead server.
      if (!isTransient(error)) return this.#fail(error);
      if (this.#failures++ === 0) this.#failingSince = performance.now();
      if (this.#failures >= 3 && performance.now() - this.#failingSince >= UNREACHABLE_MS) {
        return this.#fail(redisUnreachable(this.#source.name, UNREACHABLE_MS, error));
      }
    } finally {
      this.#reading = false;
    }
    if (this.#left) return;
    if (this.#again) {
      this.#again = false;
      void this.#read();
    } else this.#schedule(next);
  }
}

/** Connection trouble that a later poll may get past, as opposed to an error reply of Redis. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Error) || error.name === 'WaitGroupError') return false;
  // An error reply of the script or of a command is final; one of the connection (a reconnect
  // that could not authenticate yet: NOAUTH, WRONGPASS, "Protocol error") is not.
  return !/^(ERR (?!Protocol error)|NOPERM|WRONGTYPE|NOSCRIPT|BUSY|OOM|READONLY )/.test(error.message);
}
