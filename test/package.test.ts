// What `npm publish` would ship: `npm pack --dry-run --json` lists the tarball's files; only the
// build (dist/), the sources its source maps point to (src/), the READMEs (npm ships every
// README*; its page shows README.md), LICENSE and package.json, never tests, fixtures, benchmarks, docs or caches; within a size budget. And the package
// fields that the npm page shows.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run, stdoutOf } from './support/child-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  repository: { type: string; url: string };
  homepage: string;
  bugs: { url: string };
  keywords: string[];
};

/**
 * The packed tarball's budget: 105 KB at 0.1.0 (dist with its maps, src, both READMEs); 132 KB
 * with structured concurrency and dead-worker reports; 178 KB with waitgroups/redis (its dist,
 * maps and src: about 50 KB).
 */
const MAX_PACKED_BYTES = 192 * 1024;
const SHIPPED = [/^dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)$/, /^src\/.+\.ts$/, /^(README\.md|README\.zh-CN\.md|LICENSE|package\.json)$/];
const NEVER = /(^|\/)(test|tests|fixtures|bench|verify|examples|docs|\.cache|node_modules)\/|\.test\.ts$|\.tgz$/;

describe('the npm package', () => {
  test('npm pack ships dist, src, the READMEs, LICENSE and package.json only, within its size budget', { timeout: 120_000 }, async (t) => {
    assert.ok(existsSync(join(root, 'dist/index.js')), 'dist/ is built (npm run build) before this test');
    // --ignore-scripts: the `prepare` build is npm test's first step, not this test's.
    const stdout = await stdoutOf(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { timeout: 110_000 }));
    const [report] = JSON.parse(stdout) as { size: number; unpackedSize: number; files: { path: string }[] }[];
    assert.ok(report, 'npm pack printed its report');
    const files = report.files.map((file) => file.path).sort();
    t.diagnostic(`${files.length} files, ${report.size} bytes packed, ${report.unpackedSize} unpacked`);
    const unexpected = files.filter((file) => NEVER.test(file) || !SHIPPED.some((pattern) => pattern.test(file)));
    assert.deepEqual(unexpected, [], 'files that must not be shipped');
    for (const needed of ['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'package.json']) {
      assert.ok(files.includes(needed), `${needed} is shipped`);
    }
    // Every source map's sources are shipped too, so that go-to-definition reaches src/.
    const sources = files.filter((file) => file.endsWith('.map')).flatMap((map) => {
      const { sources: listed } = JSON.parse(readFileSync(join(root, map), 'utf8')) as { sources: string[] };
      return listed.map((source) => join(map, '..', source));
    });
    assert.deepEqual([...new Set(sources)].filter((source) => !files.includes(source)), [], 'sources named by the maps but not shipped');
    assert.ok(report.size <= MAX_PACKED_BYTES, `packed size ${report.size} bytes, budget ${MAX_PACKED_BYTES}`);
  });

  test('repository, homepage and bugs point to one repository', () => {
    const repo = /^git\+(https:\/\/github\.com\/[^/]+\/[^/]+)\.git$/.exec(pkg.repository.url)?.[1];
    assert.ok(repo !== undefined && pkg.repository.type === 'git', `repository.url is git+https://github.com/OWNER/NAME.git: ${pkg.repository.url}`);
    assert.equal(pkg.homepage, `${repo}#readme`);
    assert.equal(pkg.bugs.url, `${repo}/issues`);
    assert.ok(pkg.keywords.includes('waitgroup') && pkg.keywords.includes('errgroup'), 'keywords name what the package is');
  });
});
