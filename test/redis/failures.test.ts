// Each failure of the field's Redis latches and barriers (issue 12), as a test against a real
// redis-server: crashed and stalled holders (child processes, SIGKILL/SIGSTOP), lost
// wake-ups, the subscribe race, restarts with and without persistence, fan-in from processes.
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createClient, type RedisClientType } from 'redis';
import { RedisWaitGroup } from 'waitgroups/redis';
import { RedisServer } from '../support/redis-server.ts';
import { isSettled } from '../support/async.ts';
import { until } from './contract.ts';
import { Holder } from './holder.ts';
import { intercept } from './intercept.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let serial = 0;
const fresh = (): string => `failures:${process.pid}:${serial++}`;

async function connect(url: string): Promise<RedisClientType> {
  const client: RedisClientType = createClient({ url });
  client.on('error', () => undefined); // reconnects are part of these tests
  await client.connect();
  return client;
}

describe('failures against one server', () => {
  let server: RedisServer;
  let client: RedisClientType;
  const holders: Holder[] = [];
  const holder = (name: string): Holder => {
    const child = new Holder(name, { REDIS_URL: server.url });
    holders.push(child);
    return child;
  };

  before(async () => {
    server = await RedisServer.start();
    client = await connect(server.url);
  });
  after(async () => {
    for (const child of holders) await child.stop();
    await client.close();
    await server.close();
  });

  test('1. SIGKILL of a child holding a lease: wait() rejects with ERR_WAITGROUP_TASK_LOST within lease + poll, naming it; the other tasks are intact', async () => {
    const leaseMs = 600;
    const pollMs = 200;
    const wg = new RedisWaitGroup(client, fresh(), { pollMs });
    const mine = [await wg.task({ label: 'a' }), await wg.task({ label: 'b' })];
    const child = holder(wg.name);
    const held = await child.send({ op: 'task', label: 'victim', leaseMs });
    assert.equal(held.ok, true);
    const waiting = wg.wait();
    const waitingToo = new RedisWaitGroup(client, wg.name).wait();
    waitingToo.catch(() => undefined); // asserted below
    await sleep(50);
    child.signal('SIGKILL');
    const killed = performance.now();
    const expected = {
      name: 'WaitGroupError',
      code: 'ERR_WAITGROUP_TASK_LOST',
      message: new RegExp(`round 1 .* 1 task lost its lease: #${held.id} "victim" held by [^,]+:${held.pid}`),
    };
    await assert.rejects(waiting, expected);
    const elapsed = performance.now() - killed;
    assert.ok(elapsed < leaseMs + pollMs * 1.2 + 500, `reported after ${elapsed.toFixed(0)} ms`);
    await assert.rejects(waitingToo, expected, 'every wait of the round');
    await assert.rejects(wg.wait(), expected, 'a wait joining the failed round too');
    const state = await wg.inspect();
    assert.equal(state.count, 2, 'the two other tasks are still counted');
    assert.deepEqual(state.tasks.map((task) => task.label), ['a', 'b']);
    assert.deepEqual(state.lost.map((task) => [task.id, task.label]), [[held.id, 'victim']]);
    for (const task of mine) await task.done();
    assert.equal((await wg.inspect()).round, 2, 'the failed round ended when the others were done');
    await wg.add(1);
    const clean = wg.wait();
    await wg.done();
    await clean; // the next round is clean
  });

  test('2 and 7. SIGSTOP a holder past its lease, then SIGCONT: its late done() is refused (ERR_WAITGROUP_LEASE_LOST), not counted, not applied to the next round', async () => {
    const wg = new RedisWaitGroup(client, fresh(), { pollMs: 100 });
    const mine = await wg.task({ label: 'mine' });
    const child = holder(wg.name);
    const held = await child.send({ op: 'task', label: 'stalled', leaseMs: 400 });
    const waiting = wg.wait();
    child.signal('SIGSTOP');
    await assert.rejects(waiting, { code: 'ERR_WAITGROUP_TASK_LOST', message: /"stalled"/ });
    await mine.done(); // round 1 ends, failed
    await wg.add(1); // round 2
    const round2 = wg.wait();
    child.signal('SIGCONT');
    const late = await child.send({ op: 'done', id: held.id });
    assert.deepEqual([late.ok, late.code], [false, 'ERR_WAITGROUP_LEASE_LOST']);
    assert.match(late.message!, /"stalled" .* no longer holds its lease/);
    assert.equal((await wg.inspect()).count, 1, 'round 2 still counts its one unit');
    assert.equal(await isSettled(round2), false);
    await until(async () => child.events.some((event) => event.event === 'lease-lost' && event.id === held.id));
    await wg.done();
    await round2;
  });

  test('3. a wake-up lost while the subscriber is away (ACL user disabled, CLIENT KILL USER): the waiter still resolves, by poll', async () => {
    await client.sendCommand(['ACL', 'SETUSER', 'waiter', 'on', '>pw', '~*', '&*', '+@all']);
    const waiterClient = await connect(`redis://waiter:pw@127.0.0.1:${server.port}`);
    try {
      const wg = new RedisWaitGroup(client, fresh());
      await wg.add(1);
      const waiting = new RedisWaitGroup(waiterClient, wg.name, { pollMs: 300 }).wait({ timeout: 20_000 });
      await until(async () => ((await client.sendCommand(['PUBSUB', 'SHARDNUMSUB', wg.channel])) as unknown[])[1] === 1);
      // A connection whose AUTH fails stays the default user: turn that off too (connections
      // already authenticated, like `client`, keep working).
      await client.sendCommand(['ACL', 'SETUSER', 'waiter', 'off']);
      await client.sendCommand(['ACL', 'SETUSER', 'default', 'off']);
      await client.sendCommand(['CLIENT', 'KILL', 'USER', 'waiter']);
      // The waiter's connections are gone (the kill frees them asynchronously), its subscriber too.
      await until(async () => !String(await client.sendCommand(['CLIENT', 'LIST'])).includes(' user=waiter '));
      await until(async () => ((await client.sendCommand(['PUBSUB', 'SHARDNUMSUB', wg.channel])) as unknown[])[1] === 0);
      await wg.done(); // its message reaches nobody
      await sleep(500);
      let outcome = 'pending';
      waiting.then(() => (outcome = 'resolved'), (error: Error) => (outcome = `rejected: ${error.message}`));
      await sleep(0);
      assert.equal(outcome, 'pending', 'no wake-up while the user is disabled');
      await client.sendCommand(['ACL', 'SETUSER', 'default', 'on']);
      await client.sendCommand(['ACL', 'SETUSER', 'waiter', 'on']);
      await waiting;
    } finally {
      await client.sendCommand(['ACL', 'SETUSER', 'default', 'on']);
      await waiterClient.close().catch(() => undefined);
      await client.sendCommand(['ACL', 'DELUSER', 'waiter']);
    }
  });

  test('4. the subscribe race: the round ends between the first read and the subscription; the second read sees it', async () => {
    const wg = new RedisWaitGroup(client, fresh());
    await wg.add(1);
    let raced = false;
    // The real client, except that its subscriber finishes the round just before subscribing.
    const racing = intercept(client, {
      duplicate: () => {
        const subscriber = client.duplicate();
        return intercept(subscriber, {
          sSubscribe: async (...args: Parameters<typeof subscriber.sSubscribe>) => {
            await wg.done();
            raced = true;
            return subscriber.sSubscribe(...args);
          },
        });
      },
    });
    // A poll of a minute: only the read after subscribing can end this wait in time.
    await new RedisWaitGroup(racing, wg.name, { pollMs: 60_000 }).wait({ timeout: 5000 });
    assert.equal(raced, true);
  });

  test('no renewal loop after done(): MONITOR sees no renewal once the task is done', async () => {
    const wg = new RedisWaitGroup(client, fresh());
    const task = await wg.task({ label: 'short', leaseMs: 150 });
    await sleep(200); // a renewal or two
    await task.done();
    const socket = createConnection({ host: '127.0.0.1', port: server.port });
    let seen = '';
    socket.on('data', (chunk) => (seen += chunk));
    socket.write('MONITOR\r\n');
    await sleep(400);
    socket.destroy();
    assert.doesNotMatch(seen, /"renew"/);
    assert.equal(task.signal.aborted, false, 'a done task did not lose its lease');
  });

  test('fan-in: 1,000 tasks from 4 child processes, one round', async () => {
    const wg = new RedisWaitGroup(client, fresh());
    await wg.add(1); // the gate: the round cannot end before every worker has started
    const children = Array.from({ length: 4 }, () => holder(wg.name));
    const waiting = wg.wait();
    const results = await Promise.all(children.map((child) => child.send({ op: 'go-many', n: 250 })));
    assert.deepEqual(results.map((result) => result.ran), [250, 250, 250, 250]);
    assert.equal(await isSettled(waiting), false, 'the gate still holds the round');
    const state = await wg.inspect();
    assert.deepEqual([state.count, state.round, state.lost.length], [1, 1, 0]);
    await wg.done();
    await waiting;
    assert.equal((await wg.inspect()).round, 2);
    await Promise.all(children.map((child) => child.exit()));
  });
});

describe('5. restarts and lost state', () => {
  test('restart without persistence mid-round: the pending wait and every later call reject with ERR_WAITGROUP_STATE_LOST', async () => {
    const server = await RedisServer.start();
    const client = await connect(server.url);
    try {
      const wg = new RedisWaitGroup(client, fresh(), { pollMs: 100 });
      await wg.add(2);
      const waiting = wg.wait();
      const outcome = assert.rejects(waiting, { code: 'ERR_WAITGROUP_STATE_LOST', message: /keys are gone/ });
      await sleep(50);
      await server.restart();
      await outcome;
      await assert.rejects(wg.done(), { code: 'ERR_WAITGROUP_STATE_LOST' });
      assert.equal((await new RedisWaitGroup(client, wg.name).inspect()).state, 'new', 'to a newcomer, a new group');
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('restart that rolls state back (RDB): never hung, never falsely complete', async () => {
    const server = await RedisServer.start();
    const client = await connect(server.url);
    try {
      const wg = new RedisWaitGroup(client, fresh(), { pollMs: 100 });
      await wg.add(2);
      await client.sendCommand(['SAVE']); // the snapshot has the counter at 2
      await wg.done(); // counter 1, not in the snapshot
      const waiting = wg.wait();
      const outcome = assert.rejects(waiting, { code: 'ERR_WAITGROUP_STATE_LOST', message: /restarted without AOF/ });
      await sleep(50);
      await server.restart(); // loads counter 2: one done() forgotten
      await outcome;
      const other = new RedisWaitGroup(client, wg.name);
      await assert.rejects(other.done(), { code: 'ERR_WAITGROUP_STATE_LOST' }, 'lost for everyone, newcomers too');
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('a server that stops answering (SIGSTOP): wait({ timeout }) still rejects on time, counted from the call', async () => {
    const server = await RedisServer.start();
    const client = await connect(server.url);
    try {
      const wg = new RedisWaitGroup(client, fresh());
      await wg.add(1);
      server.signal('SIGSTOP');
      await assert.rejects(wg.wait({ timeout: 300 }), { code: 'ERR_WAITGROUP_TIMEOUT' });
      const controller = new AbortController();
      const aborted = wg.wait({ signal: controller.signal });
      controller.abort();
      await assert.rejects(aborted, { name: 'AbortError' });
      server.signal('SIGCONT');
      await wg.done();
    } finally {
      server.signal('SIGCONT');
      await client.close();
      await server.close();
    }
  });

  test('restart with AOF mid-round: the round completes', async () => {
    const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    const client = await connect(server.url);
    try {
      const wg = new RedisWaitGroup(client, fresh(), { pollMs: 100 });
      await wg.add(1);
      const task = await wg.task({ label: 'survivor', leaseMs: 5000 });
      const waiting = wg.wait();
      await sleep(50);
      await server.restart();
      await wg.done();
      assert.equal(await isSettled(waiting), false);
      await task.done();
      await waiting;
      assert.equal((await wg.inspect()).round, 2);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
