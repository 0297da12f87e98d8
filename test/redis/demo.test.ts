// `npm run demo:redis` (examples/redis/demo.ts) prints what the README shows: the killed
// worker's task reported by name, then a clean round.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

test('examples/redis/demo.ts: the lost task is reported by name, then a clean round', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/redis/demo.ts'], {
    cwd: new URL('../..', import.meta.url),
    env: { ...process.env, REDIS_URL: '' },
  });
  assert.match(
    stdout,
    /^a throwaway redis-server on 127\.0\.0\.1 \(set REDIS_URL to use another\)\n/,
  );
  assert.match(
    stdout,
    /round 1: .*\nkilled the worker holding "resize photo-2\.jpg" \(SIGKILL\)\nwait\(\) rejected with ERR_WAITGROUP_TASK_LOST:\n {2}waitgroups: round 1 of "demo:thumbnails:\d+" failed: 1 task lost its lease: #\d+ "resize photo-2\.jpg" held by <host:pid>\nround 2: .*\nwait\(\) resolved: all 3 tasks done\n$/,
  );
});
