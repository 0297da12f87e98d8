// A process of bench/redis.bench.ts: one JSON command per line on stdin, one JSON reply per
// line on stdout. Times are process.hrtime.bigint() (CLOCK_MONOTONIC, shared by every process
// of the machine), so the parent can subtract its own.
import { createInterface } from 'node:readline';
import { createClient } from 'redis';
import { RedisWaitGroup } from 'waitgroups/redis';

const client = await createClient({ url: process.env.REDIS_URL }).connect();
const subscriber = await client.duplicate().connect();
const reply = (value) => void process.stdout.write(`${JSON.stringify(value)}\n`);
const now = () => String(process.hrtime.bigint());
let onMessage = null;
/** The pause before a waiter says it is ready, the same for both wake-latency paths. */
const READY_MS = 100;

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  switch (command.op) {
    case 'ping':
      reply({ ok: true });
      break;
    case 'subscribe': // the baseline's waiter: a bare sharded subscription
      await subscriber.sSubscribe(command.channel, () => onMessage?.());
      reply({ ok: true });
      break;
    case 'bare-wait': // resolves on the next message
      onMessage = () => {
        onMessage = null;
        reply({ at: now() });
      };
      // Ready after the same pause as 'wait', so that both paths start from the same idle
      // processes: a baseline measured hot, right after the pipe's round trip, hid ~0.6 ms.
      setTimeout(() => reply({ ready: true }), READY_MS);
      break;
    case 'wait': {
      const wg = new RedisWaitGroup(client, command.name);
      const waiting = wg.wait();
      // Reply "ready" once the wait has read, subscribed and read again.
      setTimeout(() => reply({ ready: true }), READY_MS);
      await waiting;
      reply({ at: now() });
      break;
    }
    case 'done-many': {
      const wg = new RedisWaitGroup(client, command.name);
      for (let i = 0; i < command.n; i++) await wg.done();
      reply({ ok: true });
      break;
    }
    case 'decr-many': // the naive latch: DECR, and PUBLISH when it reaches zero
      for (let i = 0; i < command.n; i++) {
        if (Number(await client.sendCommand(['DECR', command.key])) === 0) await client.sendCommand(['PUBLISH', command.channel, '0']);
      }
      reply({ ok: true });
      break;
    case 'exit':
      await subscriber.close();
      await client.close();
      process.exit(0);
  }
}
