// `await using` as a user's compiler sees the published declarations (dist/, so `npm run build`
// first), without `ESNext.Disposable` in the user's lib: test/types/disposable.check.ts under
// `lib: ["ES2022", "DOM"]` (a browser project) and under `lib: ["ES2022"]` with `@types/node`,
// skipLibCheck off so that dist/*.d.ts itself is checked, with every TypeScript among the dev
// dependencies (`typescript`, and aliases such as `typescript-5.2`, the oldest that
// peerDependencies claims, and `typescript-7`); WAITGROUPS_TSC=/path/to/bin/tsc adds one more.
// Then the runtime side: what `await using` does, through the downlevel path (tsx/esbuild on
// Node 20 and 22, which lack the syntax) and natively where the runtime has it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Group, SharedWaitGroup, WaitGroup } from 'waitgroups';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };

const compilers = Object.keys(pkg.devDependencies)
  .filter((name) => name === 'typescript' || name.startsWith('typescript-'))
  .map((name) => ({ name, tsc: join(root, 'node_modules', name, 'bin/tsc') }));
if (process.env['WAITGROUPS_TSC']) compilers.push({ name: 'WAITGROUPS_TSC', tsc: process.env['WAITGROUPS_TSC'] });

const dir = mkdtempSync(join(os.tmpdir(), 'waitgroups-disposable-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SETUPS = {
  'lib ES2022 + DOM, no @types/node': { lib: ['ES2022', 'DOM'], types: [] },
  'lib ES2022 + @types/node': { lib: ['ES2022'], types: ['node'] },
};

function tsconfig(name: string, setup: { lib: string[]; types: string[] }): string {
  const file = join(dir, `tsconfig.${name.replace(/\W+/g, '-')}.json`);
  const compilerOptions = {
    noEmit: true,
    strict: true,
    skipLibCheck: false,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    typeRoots: [join(root, 'node_modules/@types')],
    ...setup,
  };
  writeFileSync(file, JSON.stringify({ compilerOptions, files: [join(root, 'test/types/disposable.check.ts')] }));
  return file;
}

describe('await using: declarations without ESNext.Disposable', () => {
  for (const compiler of compilers) {
    for (const [name, setup] of Object.entries(SETUPS)) {
      test(`${compiler.name}: ${name}`, { timeout: 120_000 }, async (t) => {
        assert.ok(existsSync(compiler.tsc), `${compiler.tsc} exists (npm ci)`);
        const { stdout: version } = await promisify(execFile)(process.execPath, [compiler.tsc, '--version']);
        t.diagnostic(version.trim());
        const result = await promisify(execFile)(process.execPath, [compiler.tsc, '-p', tsconfig(name, setup)], { cwd: root }).then(
          () => ({ code: 0, output: '' }),
          (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
        );
        assert.equal(result.code, 0, `${version.trim()} rejects test/types/disposable.check.ts (${name}):\n${result.output}`);
      });
    }
  }

  test('the declarations name the well-known symbols, not a symbol of their own', () => {
    for (const file of ['wait-group.d.ts', 'shared-wait-group.d.ts', 'group.d.ts', 'task.d.ts']) {
      const text = readFileSync(join(root, 'dist', file), 'utf8');
      assert.match(text, /import \{ (async)?[dD]ispose \} from '\.\/internal\/dispose\.js'/, `${file} imports the augmentation`);
    }
    const augmentation = readFileSync(join(root, 'dist/internal/dispose.d.ts'), 'utf8');
    assert.match(augmentation, /readonly asyncDispose: unique symbol/);
  });
});
