// The type tests (test/types.check.ts, test/types/exports.check.ts) as a user's compiler sees the published declarations
// (dist/, so `npm run build` first): on the oldest TypeScript that package.json claims
// (peerDependencies), on 6.x and on 7.x (npm aliases among the dev dependencies), each with
// and without exactOptionalPropertyTypes, with skipLibCheck off so that dist/*.d.ts itself is
// checked. The libraries are the ones a browser or Node user has: ES2022, DOM, and
// ESNext.Disposable (for `using`; it is why 5.2 is the oldest: 5.0 and 5.1 do not have it).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runNode, stdoutOf } from './support/child-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

// The compilers, by the dev dependency that provides each. Their binaries are all named `tsc`,
// so they are run by path, never through node_modules/.bin (where only one of them can be).
const COMPILERS = [
  { name: 'oldest supported', dependency: 'typescript-5.2' },
  { name: '6.x', dependency: 'typescript' },
  { name: '7.x', dependency: 'typescript-7' },
];

const TYPE_TESTS = ['test/types.check.ts', 'test/types/exports.check.ts'];

const dir = mkdtempSync(join(os.tmpdir(), 'waitgroups-types-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function tsconfig(exactOptionalPropertyTypes: boolean): string {
  const file = join(dir, `tsconfig.exact-${exactOptionalPropertyTypes}.json`);
  const compilerOptions = {
    noEmit: true,
    strict: true,
    exactOptionalPropertyTypes,
    skipLibCheck: false,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
    types: [],
  };
  writeFileSync(file, JSON.stringify({ compilerOptions, files: TYPE_TESTS.map((test) => join(root, test)) }));
  return file;
}

describe('type tests on every supported TypeScript', () => {
  test('the oldest compiler tested is the one peerDependencies claims', () => {
    const claimed = /^>=(\d+\.\d+)$/.exec(pkg.peerDependencies['typescript'] ?? '')?.[1];
    assert.ok(claimed, `peerDependencies.typescript is ">=X.Y": ${pkg.peerDependencies['typescript']}`);
    const oldest = readFileSync(join(root, 'node_modules/typescript-5.2/package.json'), 'utf8');
    const version = (JSON.parse(oldest) as { version: string }).version;
    assert.ok(version.startsWith(`${claimed}.`), `typescript-5.2 is ${version}, peerDependencies says >=${claimed}`);
  });

  for (const compiler of COMPILERS) {
    for (const exact of [true, false]) {
      test(`TypeScript ${compiler.name} (${compiler.dependency}: ${pkg.devDependencies[compiler.dependency]}), exactOptionalPropertyTypes ${exact}`, { timeout: 120_000 }, async (t) => {
        const tsc = join(root, 'node_modules', compiler.dependency, 'bin/tsc');
        const version = await stdoutOf(runNode([tsc, '--version']));
        t.diagnostic(version.trim());
        const { code, stdout, stderr } = await runNode([tsc, '-p', tsconfig(exact)], { timeout: 110_000 });
        assert.equal(code, 0, `${version.trim()} rejects ${TYPE_TESTS.join(' or ')} against dist/:\n${stdout}${stderr}`);
      });
    }
  }
});
