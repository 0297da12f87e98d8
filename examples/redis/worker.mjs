// One worker of examples/redis/demo.ts: takes one task of the group, works, marks it done.
//   node worker.mjs <redis url> <group> <label> <work ms>
import { createClient } from 'redis';
import { RedisWaitGroup } from 'waitgroups/redis';

const [url, name, label, ms] = process.argv.slice(2);
const client = await createClient({ url }).connect();
const wg = new RedisWaitGroup(client, name, { leaseMs: 1000 });

await wg.go(async (signal) => {
  process.stdout.write('started\n');
  // The work: stops early if the lease is lost (someone else may redo it).
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, Number(ms));
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()));
  });
}, { label });
await client.close();
