// RedisWaitGroup on a real standalone redis-server: the contract, then what only Redis has.
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createClient, type RedisClientType } from 'redis';
import { RedisWaitGroup } from 'waitgroups/redis';
import { isSettled } from '../support/async.ts';
import { run } from '../support/child-process.ts';
import { RedisServer } from '../support/redis-server.ts';
import { redisContract, until } from './contract.ts';
import { intercept } from './intercept.ts';

/** The commands the server received while `work` ran, as MONITOR shows them. */
async function monitor(port: number, work: () => Promise<void>): Promise<string[]> {
  const socket = createConnection({ host: '127.0.0.1', port });
  let data = '';
  socket.on('data', (chunk) => (data += chunk));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('MONITOR\r\n');
  while (!data.startsWith('+OK\r\n')) await new Promise((resolve) => setTimeout(resolve, 5));
  await work();
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  return data.split('\r\n').slice(1).filter((line) => line.startsWith('+'));
}

/** The SHA1 of the loaded script, as Redis reports it. */
async function scriptSha(): Promise<string> {
  const { SCRIPT_SHA } = await import('../../src/redis/script.ts');
  return SCRIPT_SHA;
}

let server: RedisServer;
let client: RedisClientType;
let admin: RedisClientType;
let serial = 0;
const fresh = (): string => `test:${process.pid}:${serial++}`;

before(async () => {
  server = await RedisServer.start();
  client = createClient({ url: server.url });
  admin = createClient({ url: server.url });
  await Promise.all([client.connect(), admin.connect()]);
});
after(async () => {
  await client.close();
  await admin.close();
  await server.close();
});

redisContract('standalone', () => ({
  create: () => new RedisWaitGroup(client, fresh()),
  command: (_key, args) => admin.sendCommand(args),
}));

describe('standalone: Redis specifics', () => {
  test('add and done are one round trip each: one EVALSHA, nothing else (MONITOR)', async () => {
    const wg = new RedisWaitGroup(client, fresh());
    await wg.add(1); // first use learns the server's run_id (INFO, once per connection)
    await wg.done();
    const seen = await monitor(server.port, async () => {
      for (let i = 0; i < 50; i++) {
        await wg.add(2);
        await wg.done();
        await wg.done();
      }
    });
    // Commands from clients, not from inside the script ("[0 lua]").
    const fromClients = seen.filter((line) => !line.includes(' lua] ')).map((line) => /\] "(\w+)"/.exec(line)?.[1]);
    assert.equal(fromClients.length, 150);
    assert.ok(fromClients.every((command) => command === 'EVALSHA'), [...new Set(fromClients)].join());
  });

  test('SCRIPT FLUSH mid-round: each call that meets NOSCRIPT loads the script once (EVAL); the round completes', async () => {
    const wg = new RedisWaitGroup(client, fresh(), { pollMs: 20 });
    await wg.add(2);
    const waiting = wg.wait();
    await wg.done();
    await admin.sendCommand(['CONFIG', 'RESETSTAT']);
    await admin.sendCommand(['SCRIPT', 'FLUSH']);
    await wg.done();
    await waiting;
    const stats = String(await admin.sendCommand(['INFO', 'commandstats']));
    const evals = Number(/cmdstat_eval:calls=(\d+),/.exec(stats)?.[1]);
    const evalsha = /cmdstat_evalsha:.*?rejected_calls=(\d+),failed_calls=(\d+)/.exec(stats);
    const noscript = Number(evalsha?.[1] ?? 0) + Number(evalsha?.[2] ?? 0);
    assert.ok(evals >= 1 && evals === noscript, `${evals} EVAL for ${noscript} NOSCRIPT`);
    assert.deepEqual(await admin.sendCommand(['SCRIPT', 'EXISTS', await scriptSha()]), [1]);
    await wg.add(1);
    await wg.done();
  });

  test('every key and the channel share the hash tag; {, } and % in names are escaped', async () => {
    const wg = new RedisWaitGroup(client, 'a{b}c%d');
    assert.deepEqual(wg.keys.map((key) => key.replace(/:.$/, '')), Array(5).fill('waitgroups:{a%7Bb%7Dc%25d}'));
    assert.equal(wg.channel, 'waitgroups:{a%7Bb%7Dc%25d}:c');
    // test/redis/cluster.test.ts checks the slots on a cluster.
    const other = new RedisWaitGroup(client, 'a%7Bb%7Dc%25d');
    assert.notEqual(other.channel, wg.channel, 'escaping is injective');
  });

  test('prefix option; a client with keyPrefix is refused; bad names and options are refused', async () => {
    const wg = new RedisWaitGroup(client, 'p', { prefix: 'app:' });
    assert.equal(wg.channel, 'app:{p}:c');
    const prefixed = createClient({ url: server.url, keyPrefix: 'app:' });
    assert.throws(() => new RedisWaitGroup(prefixed, 'x'), { name: 'TypeError', message: /keyPrefix.*"prefix" option/ });
    assert.throws(() => new RedisWaitGroup({} as never, 'x'), { name: 'TypeError', message: /"client" argument/ });
    assert.throws(() => new RedisWaitGroup(client, 1 as never), { name: 'TypeError', message: /"name" argument must be a string/ });
    assert.throws(() => new RedisWaitGroup(client, ''), { name: 'RangeError', message: /"name"/ });
    assert.throws(() => new RedisWaitGroup(client, 'x'.repeat(513)), { name: 'RangeError', message: /"name".*512/ });
    assert.throws(() => new RedisWaitGroup(client, 'x', { prefix: 'a{' }), { name: 'RangeError', message: /"options.prefix"/ });
    assert.throws(() => new RedisWaitGroup(client, 'x', { leaseMs: 1.5 }), { name: 'TypeError', message: /"options.leaseMs"/ });
    assert.throws(() => new RedisWaitGroup(client, 'x', { pollMs: 0 }), { name: 'RangeError', message: /"options.pollMs"/ });
  });

  test('abandoned groups expire: every write refreshes ttlMs on every key', async () => {
    const wg = new RedisWaitGroup(client, fresh(), { ttlMs: 60_000 });
    const task = await wg.task({ label: 't' });
    await wg.add(1);
    for (const key of wg.keys.slice(0, 3)) {
      const ttl = Number(await admin.sendCommand(['PTTL', key]));
      assert.ok(ttl > 55_000 && ttl <= 60_000, `${key}: PTTL ${ttl}`);
    }
    await admin.sendCommand(['PEXPIRE', wg.keys[0]!, '5000']);
    await wg.done();
    assert.ok(Number(await admin.sendCommand(['PTTL', wg.keys[0]!])) > 55_000, 'refreshed by done()');
    await task.done();
    const forever = new RedisWaitGroup(client, fresh(), { ttlMs: 0 });
    await forever.add(1);
    assert.equal(Number(await admin.sendCommand(['PTTL', forever.keys[0]!])), -1);
    await forever.done();
  });

  test('a task done() whose reply was lost is retried and counts once', async () => {
    const wg = new RedisWaitGroup(client, fresh());
    await wg.add(1);
    // The transport delivers the script to the real server, then loses the reply, once.
    let lose = true;
    const lossy = intercept(client, {
      sendCommand: async (args: string[]) => {
        const reply = await client.sendCommand(args);
        if (lose && args[0] === 'EVALSHA' && args.includes('done')) {
          lose = false;
          throw new Error('Socket closed unexpectedly');
        }
        return reply;
      },
    });
    const flaky = new RedisWaitGroup(lossy, wg.name);
    const task = await flaky.task({ label: 'retry me' });
    assert.equal((await wg.inspect()).count, 2);
    await assert.rejects(task.done(), /Socket closed unexpectedly/);
    assert.equal((await wg.inspect()).count, 1, 'the first done() reached Redis');
    await task.done(); // the retry: recognised, not counted again
    assert.equal((await wg.inspect()).count, 1, 'counted once');
    await assert.rejects(task.done(), { code: 'ERR_WAITGROUP_TASK_ALREADY_DONE' });
    await wg.done();
  });

  test('a pending wait keeps the process alive, even on an unref\'d client; a settled one lets it exit', async () => {
    const wg = new RedisWaitGroup(client, fresh());
    await wg.add(1);
    // The child unrefs its client and never closes it: only the wait may hold its event loop.
    const script = `
      import { createClient } from 'redis';
      import { RedisWaitGroup } from 'waitgroups/redis';
      const client = await createClient({ url: process.env.REDIS_URL }).connect();
      client.unref();
      await new RedisWaitGroup(client, process.env.GROUP).wait();
      console.log('resolved');`;
    const child = run(process.execPath, ['--input-type=module', '-e', script], { env: { REDIS_URL: server.url, GROUP: wg.name }, timeout: 30_000 });
    const subscribers = async (): Promise<unknown> => ((await admin.sendCommand(['PUBSUB', 'SHARDNUMSUB', wg.channel])) as unknown[])[1];
    await until(async () => (await subscribers()) === 1 || (await isSettled(child)));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past a poll
    assert.equal(await isSettled(child), false, 'the child is still waiting');
    await wg.done();
    const exit = await child;
    assert.deepEqual([exit.code, exit.stdout.trim(), exit.stderr], [0, 'resolved', '']);
  });

  test('DEL of the state mid-round: the pending wait and every later call reject with ERR_WAITGROUP_STATE_LOST', async () => {
    const wg = new RedisWaitGroup(client, fresh(), { pollMs: 50 });
    await wg.add(2);
    const waiting = wg.wait();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await admin.sendCommand(['DEL', ...wg.keys]);
    await assert.rejects(waiting, { code: 'ERR_WAITGROUP_STATE_LOST', message: /keys are gone/ });
    await assert.rejects(wg.done(), { code: 'ERR_WAITGROUP_STATE_LOST' });
    await assert.rejects(wg.add(1), { code: 'ERR_WAITGROUP_STATE_LOST' });
    await assert.rejects(wg.inspect(), { code: 'ERR_WAITGROUP_STATE_LOST' });
    // Someone who never saw the group sees a new one: it is told apart by what each object saw.
    const newcomer = new RedisWaitGroup(client, wg.name);
    assert.equal((await newcomer.inspect()).state, 'new');
    await newcomer.add(1);
    await assert.rejects(wg.wait(), { code: 'ERR_WAITGROUP_STATE_LOST' }, 'a re-created group is not the lost one');
    await newcomer.done();
  });

  test('FLUSHALL mid-round is never read as success', async () => {
    const wg = new RedisWaitGroup(client, fresh(), { pollMs: 50 });
    const task = await wg.task({ label: 'work' });
    const waiting = wg.wait();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await admin.sendCommand(['FLUSHALL']);
    await assert.rejects(waiting, { code: 'ERR_WAITGROUP_STATE_LOST' });
    await assert.rejects(task.done(), { code: 'ERR_WAITGROUP_STATE_LOST' });
  });

  test('a user without the channel in its ACL gets a loud NOPERM error, and nothing changes', async () => {
    await admin.sendCommand(['ACL', 'SETUSER', 'nochannel', 'on', '>pw', '~*', 'resetchannels', '+@all']);
    const limited = createClient({ url: `redis://nochannel:pw@127.0.0.1:${server.port}` });
    await limited.connect();
    try {
      const name = fresh();
      const wg = new RedisWaitGroup(limited, name);
      await assert.rejects(wg.add(1), { message: /^NOPERM waitgroups: this Redis user may not publish to the channel .*&/ });
      assert.equal((await new RedisWaitGroup(client, name).inspect()).state, 'new', 'nothing written');
      await admin.sendCommand(['ACL', 'SETUSER', 'nochannel', `&waitgroups:{${name}}:c`]);
      await wg.add(1);
      await wg.done();
    } finally {
      await limited.close();
      await admin.sendCommand(['ACL', 'DELUSER', 'nochannel']);
    }
  });

  test('the minimal ACL of the README is enough for a whole round with a task and a waiter', async () => {
    const rules = MINIMAL_ACL.split(' ');
    await admin.sendCommand(['ACL', 'SETUSER', 'minimal', 'reset', 'on', '>pw', ...rules]);
    const limited = createClient({ url: `redis://minimal:pw@127.0.0.1:${server.port}` });
    await limited.connect();
    try {
      const wg = new RedisWaitGroup(limited, fresh());
      const task = await wg.task({ label: 'acl' });
      await wg.add(1);
      const waiting = wg.wait();
      await wg.done();
      await task.done();
      await waiting;
      assert.equal((await wg.inspect()).count, 0);
      await assert.rejects(limited.sendCommand(['GET', 'other:key']), /NOPERM/, 'nothing outside the prefix');
    } finally {
      await limited.close();
      await admin.sendCommand(['ACL', 'DELUSER', 'minimal']);
    }
  });
});

/** The ACL rules the README documents, verbatim. */
const MINIMAL_ACL =
  '~waitgroups:* &waitgroups:* +evalsha +eval +info +time +hmget +hset +hget +hdel +hexists +hvals +hkeys +del +pexpire +zadd +zrem +zscore +zrange +zrangebyscore +zremrangebyscore +spublish +ssubscribe +sunsubscribe +hello +ping';
