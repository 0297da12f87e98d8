// Throwaway redis-server processes for tests, the demo and the benchmark: standalone, or a
// local 3-master cluster. Loopback only, free ports, a temp dir each; every process started
// here is stopped by its PID (and killed on exit if a test forgot).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REDIS_SERVER = process.env['REDIS_SERVER'] ?? 'redis-server';
const REDIS_CLI = process.env['REDIS_CLI'] ?? 'redis-cli';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
});

/** Whether redis-server can be run here. */
export async function hasRedisServer(): Promise<boolean> {
  try {
    await run(REDIS_SERVER, ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command to 127.0.0.1:port and returns the raw reply (no client library). */
export function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.endsWith('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** One redis-server process, restartable on the same port and directory. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly #args: string[];
  #child: ChildProcess | null = null;
  readonly #ownsDir: boolean;

  private constructor(port: number, dir: string, ownsDir: boolean, args: string[]) {
    this.port = port;
    this.dir = dir;
    this.#ownsDir = ownsDir;
    this.#args = args;
  }

  /** Starts a server; `args` are extra redis-server options (`['--appendonly', 'yes']`). */
  static async start(args: string[] = [], dir?: string): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), dir ?? mkdtempSync(join(tmpdir(), 'waitgroups-redis-')), dir === undefined, args);
    await server.#spawn();
    return server;
  }

  /** The URL for node-redis. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The PID of the running process. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #spawn(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...this.#args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    running.add(child);
    child.on('exit', () => running.delete(child));
    this.#child = child;
    try {
      await until(`redis-server on port ${this.port}`, async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
        return (await rawCommand(this.port, 'PING')).startsWith('+PONG');
      });
    } catch (error) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${output}`);
      throw error;
    }
  }

  /** Sends a signal to the process by PID. */
  signal(signal: NodeJS.Signals): void {
    if (this.#child?.pid !== undefined) process.kill(this.#child.pid, signal);
  }

  /** Stops the process by PID (SIGTERM, then SIGKILL after 5 s) and waits for its exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid!, signal);
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the process and starts it again on the same port and directory. */
  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.#spawn();
  }

  /** Stops the process and removes its directory. */
  async close(): Promise<void> {
    await this.stop();
    if (this.#ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A local cluster of three masters, no replicas, each in a directory of its own. */
export class RedisCluster {
  readonly nodes: RedisServer[];
  readonly #dir: string;

  private constructor(nodes: RedisServer[], dir: string) {
    this.nodes = nodes;
    this.#dir = dir;
  }

  /** Starts three nodes and creates the cluster; resolves at `cluster_state:ok` on each. */
  static async start(): Promise<RedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'waitgroups-redis-cluster-'));
    const nodes: RedisServer[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        // A fresh dir per node, so no stale nodes-*.conf can block the create.
        const nodeDir = join(dir, String(i));
        mkdirSync(nodeDir);
        nodes.push(await RedisServer.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'], nodeDir));
      }
      await run(REDIS_CLI, ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes']);
      for (const node of nodes) {
        await until('cluster_state:ok', async () => (await rawCommand(node.port, 'CLUSTER INFO')).includes('cluster_state:ok'), 20_000);
      }
    } catch (error) {
      for (const node of nodes) await node.stop();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new RedisCluster(nodes, dir);
  }

  /** The root nodes for `createCluster({ rootNodes })`. */
  get rootNodes(): { url: string }[] {
    return this.nodes.map((node) => ({ url: node.url }));
  }

  /** The node that serves `key`'s slot. */
  async nodeOf(key: string): Promise<RedisServer> {
    const slot = Number((await run(REDIS_CLI, ['-p', String(this.nodes[0]!.port), 'CLUSTER', 'KEYSLOT', key])).stdout.trim());
    for (const node of this.nodes) {
      const nodes = (await run(REDIS_CLI, ['-p', String(node.port), 'CLUSTER', 'NODES'])).stdout;
      const self = nodes.split('\n').find((line) => line.includes('myself'));
      if (self === undefined) continue;
      for (const range of self.split(' ').slice(8)) {
        const [from, to = from] = range.split('-').map(Number);
        if (slot >= from! && slot <= to!) return node;
      }
    }
    throw new Error(`no node serves slot ${slot}`);
  }

  /** Stops every node by PID and removes the directories. */
  async close(): Promise<void> {
    for (const node of this.nodes) await node.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
