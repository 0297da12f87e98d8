// The SPIN model of SharedWaitGroup's algorithm (verify/): the guard that keeps the
// model and the source from drifting apart, and the full model check (`node verify/run.mjs`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HASH_FILE, MODEL, checkHashes, checkMap } from '../verify/modelled-source.mjs';
import { runNode } from './support/child-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const VERIFY_TIMEOUT_MS = 900_000; // a hang guard, not a speed test: about 80 s on an idle 2-core machine, 6 min on a loaded one

describe('SPIN model of SharedWaitGroup: model and source in step', () => {
  test('the source regions the model transcribes have not changed since it was checked against them', () => {
    const problems = checkHashes(root);
    assert.deepEqual(
      problems,
      [],
      `src/ changed where ${MODEL} models it:\n  - ${problems.join('\n  - ')}\n` +
        `Re-read the model against the new code and update it (and its MAP lines), run \`npm run verify\`, ` +
        `then record the new hashes in ${HASH_FILE} with \`node verify/run.mjs --update-hashes\`.`,
    );
  });

  test("every step in the model's map points at the source line it models", () => {
    const problems = checkMap(root);
    assert.deepEqual(
      problems,
      [],
      `${MODEL}'s step map (the MAP lines of its header) no longer matches the source:\n  - ${problems.join('\n  - ')}\n` +
        'Fix the line numbers or the text, after checking that the model still describes the code.',
    );
  });
});

describe('SPIN model of SharedWaitGroup: the model check', () => {
  test('npm run verify: every property holds, every misuse error and every seeded bug is found', { timeout: VERIFY_TIMEOUT_MS }, async (t) => {
    const spin = spawnSync('spin', ['-V'], { encoding: 'utf8' });
    if (spin.error !== undefined || spin.status !== 0) {
      const reason = 'spin is not installed (Debian/Ubuntu: apt-get install spin), so the model check cannot run';
      if (process.env['WAITGROUPS_REQUIRE_ALL_RUNTIMES']) {
        assert.fail(`${reason}, and WAITGROUPS_REQUIRE_ALL_RUNTIMES is set`);
      }
      console.log(`skipped: ${reason}`);
      t.skip(reason);
      return;
    }
    const dir = mkdtempSync(join(os.tmpdir(), 'waitgroups-verify-test-'));
    const json = join(dir, 'results.json');
    try {
      // Killed a little before the test's own timeout, so that the hang guard reports its output.
      const exit = await runNode([join(root, 'verify/run.mjs'), '--json', json], { timeout: VERIFY_TIMEOUT_MS - 10_000 });
      const { code } = exit;
      const output = exit.stdout + exit.stderr;
      assert.equal(code, 0, `node verify/run.mjs exited with ${code}:\n${output}`);
      const report = JSON.parse(readFileSync(json, 'utf8')) as {
        wallSeconds: number;
        results: { id: string; ok: boolean; expect: string; states?: number; depth?: number; seconds?: number }[];
      };
      for (const r of report.results) {
        assert.ok(r.ok, `${r.id} is not as expected:\n${output}`);
        t.diagnostic(`${r.id}: ${r.expect === 'found' ? 'found' : 'holds'}, ${r.states} states, depth ${r.depth}, ${r.seconds} s`);
      }
      t.diagnostic(`${report.results.length} checks in ${report.wallSeconds.toFixed(1)} s`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
