// `npm run demo:redis`: one RedisWaitGroup across processes. Worker processes each hold one
// task under a lease; one is killed on purpose (SIGKILL) and the wait names the lost task; then
// a clean round. Uses REDIS_URL if set, else a throwaway redis-server on 127.0.0.1 if one is on
// the PATH, else says how to get one.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { WaitGroupError } from 'waitgroups';
import { RedisWaitGroup } from 'waitgroups/redis';
import { RedisServer, hasRedisServer } from '../../test/support/redis-server.ts';

const worker = fileURLToPath(new URL('worker.mjs', import.meta.url));

/** Starts a worker process and resolves once it holds its task. */
async function start(url: string, name: string, label: string, ms: number) {
  const child = spawn(process.execPath, [worker, url, name, label, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  return { child, label, exited };
}

async function round(url: string, wg: RedisWaitGroup, killOne: boolean): Promise<void> {
  const labels = ['resize photo-1.jpg', 'resize photo-2.jpg', 'resize photo-3.jpg'];
  await wg.add(1); // hold the round open while the workers start
  const workers = await Promise.all(labels.map((label, i) => start(url, wg.name, label, killOne && i === 1 ? 60_000 : 300)));
  await wg.done();
  if (killOne) {
    process.kill(workers[1]!.child.pid!, 'SIGKILL');
    console.log(`killed the worker holding "${labels[1]}" (SIGKILL)`);
  }
  try {
    await wg.wait({ timeout: 30_000 });
    console.log(`wait() resolved: all ${labels.length} tasks done`);
  } catch (error) {
    if (!(error instanceof WaitGroupError)) throw error;
    console.log(`wait() rejected with ${error.code}:\n  ${error.message.replace(/held by \S+/, 'held by <host:pid>')}`);
  }
  await Promise.all(workers.map((w) => w.exited));
}

let url = process.env['REDIS_URL'] || undefined;
let server: RedisServer | undefined;
if (url === undefined && (await hasRedisServer())) {
  server = await RedisServer.start();
  url = server.url;
  console.log('a throwaway redis-server on 127.0.0.1 (set REDIS_URL to use another)');
}
if (url === undefined) {
  console.log('no redis-server on the PATH: `apt-get install redis-server` (or set REDIS_URL) to run this section');
} else {
  const client = await createClient({ url }).connect();
  const wg = new RedisWaitGroup(client, `demo:thumbnails:${process.pid}`, { pollMs: 200 });
  try {
    console.log('round 1: 3 worker processes, one task each; one worker is killed while it holds its task');
    await round(url, wg, true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    console.log('round 2: the same, nobody killed');
    await round(url, wg, false);
  } finally {
    await client.close();
    await server?.close();
  }
}
