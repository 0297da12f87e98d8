import { SCRIPT, SCRIPT_SHA } from './script.js';

/** The part of a node-redis v6 client or cluster that RedisWaitGroup uses. */
interface Events {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}
interface Subscriber extends Events {
  connect(): Promise<unknown>;
  sSubscribe(channel: string, listener: (message: string, channel: string) => void): Promise<void>;
  sUnsubscribe(channel: string, listener?: (message: string, channel: string) => void): Promise<void>;
  destroy(): void;
  unref?(): void;
}
interface Standalone extends Events {
  sendCommand(args: readonly string[]): Promise<unknown>;
  duplicate(): Subscriber;
  readonly options?: { keyPrefix?: unknown };
  readonly _keyPrefix?: unknown;
}
interface Cluster extends Events {
  sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>;
  duplicate(): Subscriber;
  readonly masters: unknown;
  readonly _keyPrefix?: unknown;
}

/** A listener of a group's channel: a message, or `null` when the subscriber reconnected. */
export type ChannelListener = (message: string | null) => void;

/** How long an idle subscriber connection stays open for the next wait. */
const SUBSCRIBER_IDLE_MS = 2000;

/**
 * Connection is what RedisWaitGroup keeps per node-redis client or cluster (one per client,
 * shared by every group on it): runs the script (EVALSHA, EVAL on NOSCRIPT) and owns the
 * process's one subscriber connection, made with `duplicate()` so that TLS and ACL settings
 * carry over, with channels reference-counted.
 */
export class Connection {
  readonly #client: Standalone | Cluster;
  readonly #cluster: boolean;
  readonly #channels = new Map<string, Set<ChannelListener>>();
  #subscriber: Promise<Subscriber> | null = null;
  #idle: ReturnType<typeof setTimeout> | undefined;

  /**
   * Counts the (re)connections seen: a reconnect may be to a restarted server, so
   * a group verifies the server's run_id again on its next call when this has changed.
   */
  resets = 0;

  constructor(client: Standalone | Cluster) {
    this.#client = client;
    this.#cluster = 'masters' in client;
    const reset = (): void => void this.resets++;
    // Not 'error': a listener of ours would hide the client's errors from its owner.
    for (const event of ['reconnecting', 'end', 'ready', 'node-error', 'node-reconnecting', 'node-ready']) client.on(event, reset);
  }

  /** The node-redis `keyPrefix` of the client, if any. */
  get keyPrefix(): unknown {
    const client = this.#client as Standalone;
    return client._keyPrefix ?? client.options?.keyPrefix;
  }

  /** Runs the script on the group's keys: one round trip (two after a SCRIPT FLUSH). */
  async run(keys: readonly string[], args: readonly string[]): Promise<unknown[]> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return (await this.#send(keys[0]!, ['EVALSHA', SCRIPT_SHA, ...tail])) as unknown[];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.#send(keys[0]!, ['EVAL', SCRIPT, ...tail])) as unknown[];
    }
  }

  /** Sends one command to the node that holds `key`. */
  #send(key: string, args: string[]): Promise<unknown> {
    return this.#cluster
      ? (this.#client as Cluster).sendCommand(key, false, args)
      : (this.#client as Standalone).sendCommand(args);
  }

  /**
   * Subscribes `listener` to `channel` and resolves once the server has confirmed, so that a
   * read after it cannot miss a message. Returns the function that unsubscribes.
   */
  async subscribe(channel: string, listener: ChannelListener): Promise<() => void> {
    clearTimeout(this.#idle);
    let listeners = this.#channels.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#channels.set(channel, listeners);
    }
    listeners.add(listener);
    try {
      const subscriber = await this.#connectSubscriber();
      await this.#confirm(subscriber, channel);
    } catch (error) {
      this.#remove(channel, listener);
      throw error;
    }
    return () => this.#remove(channel, listener);
  }

  readonly #confirmed = new Map<string, Promise<void>>();

  #confirm(subscriber: Subscriber, channel: string): Promise<void> {
    let confirmed = this.#confirmed.get(channel);
    if (confirmed === undefined) {
      confirmed = subscriber.sSubscribe(channel, (message) => this.#deliver(channel, message));
      confirmed.catch(() => this.#confirmed.delete(channel));
      this.#confirmed.set(channel, confirmed);
    }
    return confirmed;
  }

  #deliver(channel: string, message: string | null): void {
    for (const listener of [...(this.#channels.get(channel) ?? [])]) listener(message);
  }

  #remove(channel: string, listener: ChannelListener): void {
    const listeners = this.#channels.get(channel);
    if (listeners === undefined || !listeners.delete(listener) || listeners.size > 0) return;
    this.#channels.delete(channel);
    const confirmed = this.#confirmed.get(channel);
    this.#confirmed.delete(channel);
    const subscriber = this.#subscriber;
    if (confirmed !== undefined && subscriber !== null) {
      // Unsubscribe after the subscription settled; a failed one has nothing to undo.
      void confirmed.then(
        () => subscriber.then((sub) => sub.sUnsubscribe(channel)).catch(() => undefined),
        () => undefined,
      );
    }
    if (this.#channels.size === 0) {
      clearTimeout(this.#idle);
      this.#idle = setTimeout(() => this.#closeSubscriber(), SUBSCRIBER_IDLE_MS);
      this.#idle.unref?.();
    }
  }

  #connectSubscriber(): Promise<Subscriber> {
    if (this.#subscriber === null) {
      const subscriber = this.#client.duplicate();
      // Errors surface through the waits' reads; an 'error' event without a listener would
      // crash the process.
      subscriber.on('error', () => undefined);
      // After a reconnect node-redis subscribes again, but what was published meanwhile is
      // lost: every listener reads the state again.
      let connected = false;
      subscriber.on('ready', () => {
        if (connected) for (const channel of this.#channels.keys()) this.#deliver(channel, null);
        connected = true;
      });
      const connecting = subscriber.connect().then(() => {
        subscriber.unref?.();
        return subscriber;
      });
      connecting.catch(() => {
        if (this.#subscriber === connecting) this.#subscriber = null;
      });
      this.#subscriber = connecting;
    }
    return this.#subscriber;
  }

  #closeSubscriber(): void {
    const subscriber = this.#subscriber;
    if (subscriber === null || this.#channels.size > 0) return;
    this.#subscriber = null;
    this.#confirmed.clear();
    void subscriber.then((sub) => sub.destroy()).catch(() => undefined);
  }
}

const connections = new WeakMap<object, Connection>();

/** The Connection of a node-redis client or cluster, made on first use. */
export function connectionOf(client: object): Connection {
  let connection = connections.get(client);
  if (connection === undefined) {
    connection = new Connection(client as Standalone);
    connections.set(client, connection);
  }
  return connection;
}

/** Whether `value` looks like a node-redis client or cluster. */
export function isRedisClient(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Standalone).sendCommand === 'function' &&
    typeof (value as Standalone).duplicate === 'function' &&
    typeof (value as Standalone).on === 'function'
  );
}
