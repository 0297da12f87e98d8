// RedisWaitGroup against a throwaway redis-server on loopback: the targets, each a ratio
// to a baseline measured in this same run.
//   node --import tsx bench/redis.bench.ts [--quick]     (or: npm run bench -- redis)
// 1. one call: add+done pair vs two bare EVALSHA of a one-line script (the round-trip floor);
// 2. wake latency, done() in this process to wait() returning in another, vs a bare EVALSHA
//    that SPUBLISHes to a bare sSubscribe in the other process (p50 and p99);
// 3. throughput of 10,000 done() from 4 processes vs the naive DECR + PUBLISH latch.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createClient } from 'redis';
import { RedisWaitGroup } from 'waitgroups/redis';
import { RedisServer } from '../test/support/redis-server.ts';
import { formatNs, printTable, quick, record, target, workload, type Row } from './lib.ts';

console.log(`RedisWaitGroup benchmarks${quick ? ' (--quick: smoke run, figures are not meaningful)' : ''}`);
const server = await RedisServer.start();
const client = await createClient({ url: server.url }).connect();
console.log(`redis-server ${String(await client.sendCommand(['INFO', 'server'])).match(/redis_version:([\d.]+)/)?.[1]} on 127.0.0.1:${server.port}`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function row(title: string, name: string, samples: number[], baseline: string): Row {
  const sorted = samples.slice().sort((a, b) => a - b);
  return { workload: title, name, median: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), ratio: 0, baseline };
}

function finish(title: string, rows: Row[]): Row[] {
  for (const r of rows) r.ratio = r.median / rows[0]!.median;
  printTable(title, rows);
  for (const r of rows) record(r);
  return rows;
}

/** A bench/redis-worker.mjs process. */
class Worker {
  readonly child: ChildProcess;
  readonly #replies: ((message: Record<string, string | boolean>) => void)[] = [];
  constructor() {
    this.child = spawn(process.execPath, [new URL('redis-worker.mjs', import.meta.url).pathname], {
      env: { ...process.env, REDIS_URL: server.url },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.#replies.shift()?.(JSON.parse(line)));
  }
  /** Sends a command; resolves with the next `count` replies. */
  send(command: object, count = 1): Promise<Record<string, string | boolean>>[] {
    const replies = Array.from({ length: count }, () => new Promise<Record<string, string | boolean>>((resolve) => this.#replies.push(resolve)));
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    return replies;
  }
  async exit(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.send({ op: 'exit' }, 0);
    await exited;
  }
}

// ---- 1. one call: the round-trip floor ----

{
  const sha = String(await client.sendCommand(['SCRIPT', 'LOAD', "return redis.call('SPUBLISH', KEYS[1], ARGV[1])"]));
  const wg = new RedisWaitGroup(client, 'bench:calls');
  await workload('one add(1) + one done() (two round trips) vs two bare EVALSHA', [
    {
      name: 'two bare EVALSHA (SPUBLISH to nobody)',
      fn: async () => {
        await client.sendCommand(['EVALSHA', sha, '1', 'bench:{x}:c', '1']);
        await client.sendCommand(['EVALSHA', sha, '1', 'bench:{x}:c', '0']);
      },
    },
    {
      name: 'RedisWaitGroup add(1) + done()',
      fn: async () => {
        await wg.add(1);
        await wg.done();
      },
    },
  ]);
}

// ---- 2. wake latency across processes ----

{
  const n = quick ? 20 : 300;
  const waiter = new Worker();
  const channel = 'bench:{wake}:c';
  const sha = String(await client.sendCommand(['SCRIPT', 'LOAD', "return redis.call('SPUBLISH', KEYS[1], ARGV[1])"]));
  await waiter.send({ op: 'subscribe', channel })[0];
  const bare: number[] = [];
  const ours: number[] = [];
  const wg = new RedisWaitGroup(client, 'bench:wake');
  for (let i = 0; i < n; i++) {
    {
      const [ready, woke] = waiter.send({ op: 'bare-wait' }, 2);
      await ready;
      const start = process.hrtime.bigint();
      await client.sendCommand(['EVALSHA', sha, '1', channel, 'x']);
      bare.push(Number(BigInt((await woke!)['at'] as string) - start));
    }
    {
      await wg.add(1);
      const [ready, woke] = waiter.send({ op: 'wait', name: 'bench:wake' }, 2);
      await ready;
      const start = process.hrtime.bigint();
      await wg.done();
      ours.push(Number(BigInt((await woke!)['at'] as string) - start));
    }
  }
  await waiter.exit();
  const title = `wake latency: done() here to wait() returning in another process (${n} rounds)`;
  const rows = finish(title, [
    row(title, 'bare EVALSHA + SPUBLISH to a bare sSubscribe', bare, 'bare EVALSHA + SPUBLISH to a bare sSubscribe'),
    row(title, 'RedisWaitGroup done() to wait()', ours, 'bare EVALSHA + SPUBLISH to a bare sSubscribe'),
  ]);
  console.log(`- wake latency p50 ${formatNs(rows[1]!.median)}, p99 ${formatNs(rows[1]!.p99)}; a 10 ms poll would average 5 ms`);
  target('wake latency p50, RedisWaitGroup vs bare EVALSHA + SPUBLISH', rows[1]!.ratio, 2);
  target('wake latency p99, RedisWaitGroup vs bare EVALSHA + SPUBLISH', rows[1]!.p99 / rows[0]!.p99, 2);
}

// ---- 3. throughput: 10,000 done() from 4 processes ----

{
  const total = quick ? 2000 : 10_000;
  const rounds = quick ? 1 : 5;
  const workers = [0, 1, 2, 3].map(() => new Worker());
  await Promise.all(workers.map((worker) => worker.send({ op: 'ping' })[0]));
  const naive: number[] = [];
  const ours: number[] = [];
  const subscriber = await client.duplicate().connect();
  for (let round = 0; round < rounds; round++) {
    {
      const key = `bench:naive:${round}`;
      const channel = `${key}:c`;
      await client.sendCommand(['SET', key, String(total)]);
      const released = new Promise<void>((resolve) => void subscriber.subscribe(channel, () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const start = process.hrtime.bigint();
      await Promise.all(workers.map((worker) => worker.send({ op: 'decr-many', key, channel, n: total / 4 })[0]));
      await released;
      naive.push(Number(process.hrtime.bigint() - start) / total);
      await subscriber.unsubscribe(channel);
    }
    {
      const name = `bench:throughput:${round}`;
      const wg = new RedisWaitGroup(client, name);
      await wg.add(total);
      const waiting = wg.wait();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const start = process.hrtime.bigint();
      await Promise.all(workers.map((worker) => worker.send({ op: 'done-many', name, n: total / 4 })[0]));
      await waiting;
      ours.push(Number(process.hrtime.bigint() - start) / total);
    }
  }
  await subscriber.close();
  await Promise.all(workers.map((worker) => worker.exit()));
  const title = `throughput: ${total.toLocaleString('en')} done() from 4 processes (time per done, ${rounds} rounds)`;
  const rows = finish(title, [
    row(title, 'naive DECR + PUBLISH at zero (the Redisson shape)', naive, 'naive DECR + PUBLISH at zero (the Redisson shape)'),
    row(title, 'RedisWaitGroup done()', ours, 'naive DECR + PUBLISH at zero (the Redisson shape)'),
  ]);
  const relative = rows[0]!.median / rows[1]!.median;
  console.log(`- throughput ${(1e9 / rows[1]!.median).toFixed(0)} done/s vs naive ${(1e9 / rows[0]!.median).toFixed(0)}/s: ${relative.toFixed(2)}× of its ops/s`);
  target('throughput, RedisWaitGroup time per done vs naive DECR+PUBLISH (≥ 0.7× its ops/s)', rows[1]!.ratio, 1 / 0.7);
}

await client.close();
await server.close();
