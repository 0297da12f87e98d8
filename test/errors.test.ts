// The error catalogue (src/errors.ts): every code the source can raise is in the README's tables,
// and every code in the tables is one the source raises.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const codePattern = /'(ERR_[A-Z_]+)'/g;

test('every error code in src/ is in a README table, and every code in the tables is raised by src/', () => {
  const inSource = new Set<string>();
  for (const file of sources(join(root, 'src'))) {
    for (const [, code] of readFileSync(file, 'utf8').matchAll(codePattern)) inSource.add(code!);
  }
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const inTables = new Set([...readme.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((match) => match[1]!));
  assert.deepEqual([...inTables].sort(), [...inSource].sort());
});

test('every error factory lives in src/errors.ts: no `new TypeError`, `new RangeError` or `new WaitGroupError` elsewhere', () => {
  const elsewhere = sources(join(root, 'src'))
    .filter((file) => !file.endsWith(join('src', 'errors.ts')))
    .filter((file) => /new (TypeError|RangeError|WaitGroupError)\(/.test(readFileSync(file, 'utf8')));
  assert.deepEqual(elsewhere, []);
});

test('argument errors carry Node\'s codes, on every front', async () => {
  const { Group, SharedWaitGroup, WaitGroup } = await import('waitgroups');
  const cases: [string, () => unknown, ErrorConstructor, string][] = [
    ["add('1')", () => new WaitGroup().add('1' as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['add(1.5)', () => new WaitGroup().add(1.5), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['add(NaN)', () => new SharedWaitGroup().add(Number.NaN), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['add(2 ** 31)', () => new WaitGroup().add(2 ** 31), RangeError, 'ERR_OUT_OF_RANGE'],
    ['shared add(2 ** 31)', () => new SharedWaitGroup().add(2 ** 31), RangeError, 'ERR_OUT_OF_RANGE'],
    ['go(42)', () => new WaitGroup().go(42 as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['task(1)', () => new SharedWaitGroup().task(1 as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['wait(null)', () => new WaitGroup().wait(null as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['wait({ signal: {} })', () => new WaitGroup().wait({ signal: {} as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ["wait({ timeout: '5' })", () => new WaitGroup().wait({ timeout: '5' as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['wait({ timeout: NaN })', () => new SharedWaitGroup().wait({ timeout: Number.NaN }), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['wait({ timeout: -1 })', () => new WaitGroup().wait({ timeout: -1 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['waitSync({ signal })', () => new SharedWaitGroup().waitSync({ signal: AbortSignal.abort() } as never), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ["new WaitGroup({ debug: 'yes' })", () => new WaitGroup({ debug: 'yes' as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['new SharedWaitGroup(new ArrayBuffer(16))', () => new SharedWaitGroup(new ArrayBuffer(16) as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['new SharedWaitGroup(sab, 4)', () => new SharedWaitGroup(new SharedArrayBuffer(32), 4), RangeError, 'ERR_OUT_OF_RANGE'],
    ['new SharedWaitGroup(sab, 16) of 16 bytes', () => new SharedWaitGroup(new SharedArrayBuffer(16), 16), RangeError, 'ERR_OUT_OF_RANGE'],
    ['new Group({ limit: 1.5 })', () => new Group({ limit: 1.5 }), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ["new Group({ limit: '3' })", () => new Group({ limit: '3' as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['setLimit(0.5)', () => new Group().setLimit(0.5), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['tryGo(null)', () => new Group().tryGo(null as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
  ];
  for (const [what, call, type, code] of cases) {
    assert.throws(call, (error: unknown) => error instanceof type && (error as { code?: string }).code === code, what);
  }
});
