// RedisWaitGroup on a local 3-master cluster (no replicas): the contract, one slot per group,
// a crashed holder, and a shard master killed mid-wait.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, createCluster, type RedisClientType, type RedisClusterType } from 'redis';
import { RedisWaitGroup } from 'waitgroups/redis';
import { RedisCluster } from '../support/redis-server.ts';
import { redisContract } from './contract.ts';
import { Holder } from './holder.ts';

let cluster: RedisCluster;
let client: RedisClusterType;
let serial = 0;
const fresh = (): string => `cluster:${process.pid}:${serial++}`;

before(async () => {
  cluster = await RedisCluster.start();
  client = createCluster({ rootNodes: cluster.rootNodes });
  client.on('error', () => undefined);
  await client.connect();
});
after(async () => {
  await client.close().catch(() => undefined);
  await cluster.close();
});

// Commands about a channel go to the node of its slot (node-redis routes PUBSUB by policy).
const nodeClients = new Map<number, RedisClientType>();
async function onNodeOf(key: string, args: string[]): Promise<unknown> {
  const node = await cluster.nodeOf(key);
  let nodeClient = nodeClients.get(node.port);
  if (nodeClient === undefined) {
    nodeClient = createClient({ url: node.url });
    nodeClient.on('error', () => undefined);
    nodeClients.set(node.port, nodeClient);
    await nodeClient.connect();
  }
  return nodeClient.sendCommand(args);
}
after(async () => {
  for (const nodeClient of nodeClients.values()) nodeClient.destroy();
});

redisContract('cluster', () => ({
  create: () => new RedisWaitGroup(client, fresh()),
  command: onNodeOf,
}));

describe('cluster specifics', () => {
  test('names with {, } and % put every key and the channel in one slot, names apart in different slots', async () => {
    const slots = new Set<number>();
    for (const name of ['jobs:{42}', '{', '}', '%7B', 'a{b}c%d', '{}', 'plain']) {
      const wg = new RedisWaitGroup(client, name);
      const own = new Set<unknown>();
      for (const key of [...wg.keys, wg.channel]) own.add(await client.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
      assert.equal(own.size, 1, `${name}: one slot for ${[...wg.keys, wg.channel].join(' ')}`);
      slots.add(Number([...own][0]));
      await wg.add(1);
      await wg.done();
    }
    assert.ok(slots.size > 3, 'groups spread over slots');
  });

  test('a crashed holder (SIGKILL) on the cluster: ERR_WAITGROUP_TASK_LOST, naming it', async () => {
    const wg = new RedisWaitGroup(client, fresh(), { pollMs: 200 });
    await wg.add(1);
    const child = new Holder(wg.name, { REDIS_CLUSTER: cluster.rootNodes.map((node) => node.url).join(',') });
    try {
      const held = await child.send({ op: 'task', label: 'on a shard', leaseMs: 500 });
      assert.equal(held.ok, true, held.message);
      const waiting = wg.wait();
      child.signal('SIGKILL');
      await assert.rejects(waiting, { code: 'ERR_WAITGROUP_TASK_LOST', message: /"on a shard"/ });
      await wg.done();
    } finally {
      await child.stop();
    }
  });

  // Last: it takes a master down for good.
  test("the group's shard master killed mid-wait: the wait rejects with a clear error, no silent hang", async (t) => {
    const wg = new RedisWaitGroup(client, fresh(), { pollMs: 200 });
    await wg.add(1);
    const waiting = wg.wait();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const node = await cluster.nodeOf(wg.keys[0]!);
    await node.stop('SIGKILL');
    const started = performance.now();
    await assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /gave up: reads failed for 10 s, Redis is unreachable/);
      assert.equal((error as { code?: unknown }).code, 'ERR_WAITGROUP_UNREACHABLE');
      assert.ok(error.cause instanceof Error, 'the client\'s error is the cause');
      t.diagnostic(`rejected with ${error.name}: ${error.message}`);
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 30_000, `rejected after ${elapsed.toFixed(0)} ms`);
    t.diagnostic(`after ${elapsed.toFixed(0)} ms`);
  });
});
