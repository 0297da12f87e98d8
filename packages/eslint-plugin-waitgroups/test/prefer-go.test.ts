import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import rule from '../src/rules/prefer-go.ts';
import { HEADER, LOOK_ALIKE, fixtures, line, ruleTester } from './tester.ts';

const cases = [
  {
    code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => {\n  try {\n    await work();\n  } finally {\n    wg.done();\n  }\n})();\nawait wg.wait();`,
    output: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => {\n  await work();\n});\nawait wg.wait();`,
    line: line(2),
    column: 1,
  },
  {
    code: HEADER + `const wg = new WaitGroup();\nwg.add();\n(async () => { try { await work(); await step(); } finally { wg.done(); } })();\nawait wg.wait();`,
    output: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => { await work(); await step(); });\nawait wg.wait();`,
    line: line(2),
    column: 1,
  },
  {
    code:
      HEADER +
      `const wg = new WaitGroup();\ndeclare const urls: string[];\nconst sizes: number[] = [];\nfor (const u of urls) {\n  wg.add(1);\n  void (async () => {\n    try {\n      const response = await fetch(u);\n      sizes.push((await response.arrayBuffer()).byteLength);\n    } finally {\n      wg.done();\n    }\n  })();\n}\nawait wg.wait();`,
    output:
      HEADER +
      `const wg = new WaitGroup();\ndeclare const urls: string[];\nconst sizes: number[] = [];\nfor (const u of urls) {\n  void wg.go(async () => {\n    const response = await fetch(u);\n    sizes.push((await response.arrayBuffer()).byteLength);\n  });\n}\nawait wg.wait();`,
    line: line(5),
    column: 3,
  },
  {
    // A synchronous task stays synchronous.
    code: HEADER + `const swg = new SharedWaitGroup();\nlet n = 0;\nswg.add(1);\nvoid (() => {\n  try {\n    n++;\n  } finally {\n    swg.done();\n  }\n})();\nswg.waitSync();`,
    output: HEADER + `const swg = new SharedWaitGroup();\nlet n = 0;\nvoid swg.go(() => {\n  n++;\n});\nswg.waitSync();`,
    line: line(3),
    column: 1,
  },
  {
    code: HEADER + `class Crawler {\n  wg = new WaitGroup();\n  visit(url: string): void {\n    this.wg.add(1);\n    void (async () => {\n      try {\n        await fetch(url);\n      } finally {\n        this.wg.done();\n      }\n    })();\n  }\n}`,
    output: HEADER + `class Crawler {\n  wg = new WaitGroup();\n  visit(url: string): void {\n    void this.wg.go(async () => {\n      await fetch(url);\n    });\n  }\n}`,
    line: line(4),
    column: 5,
  },
  {
    code: HEADER + `export async function all(wg: WaitGroupLike, jobs: (() => Promise<void>)[]): Promise<void> {\n  for (const job of jobs) {\n    wg.add(1);\n    void (async () => { try { await job(); } finally { wg.done(); } })();\n  }\n  await wg.wait();\n}`,
    output: HEADER + `export async function all(wg: WaitGroupLike, jobs: (() => Promise<void>)[]): Promise<void> {\n  for (const job of jobs) {\n    void wg.go(async () => { await job(); });\n  }\n  await wg.wait();\n}`,
    line: line(3),
    column: 5,
  },
];

ruleTester.run('prefer-go', rule, {
  valid: [
    // Only add(1), as modernize: add(3) counts several tasks.
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(3);\nfor (let i = 0; i < 3; i++) void (async () => { try { await work(); } finally { wg.done(); } })();` },
    // Arguments to the IIFE.
    { code: HEADER + `declare const f: (id: number) => Promise<void>;\nconst wg = new WaitGroup();\nwg.add(1);\nvoid (async (id: number) => { try { await f(id); } finally { wg.done(); } })(7);` },
    // Another group's done().
    { code: HEADER + `const wg = new WaitGroup();\nconst other = new WaitGroup();\nwg.add(1);\nvoid (async () => { try { await work(); } finally { other.done(); } })();` },
    // A catch clause: go() would turn the handled error into a rejection.
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => { try { await work(); } catch { console.error('failed'); } finally { wg.done(); } })();` },
    // More in the finally than the done().
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => { try { await work(); } finally { console.log('end'); wg.done(); } })();` },
    // Something between the add and the task.
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nconsole.log('start');\nvoid (async () => { try { await work(); } finally { wg.done(); } })();` },
    // The look-alike.
    { code: LOOK_ALIKE + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => { try { await work(); } finally { wg.done(); } })();` },
  ],
  invalid: cases.map(({ code, output, line, column }) => ({ code, output, errors: [{ messageId: 'preferGo' as const, line, column }] })),
});

test('prefer-go: every autofix output type-checks', () => {
  const dir = mkdtempSync(path.join(fixtures, 'prefer-go-output-'));
  try {
    const files = cases.map(({ output }, i) => {
      const file = path.join(dir, `case-${i}.ts`);
      writeFileSync(file, output);
      return file;
    });
    const config = ts.getParsedCommandLineOfConfigFile(path.join(fixtures, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    assert.ok(config);
    const program = ts.createProgram(files, config.options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(diagnostics, []);
    // And the original code type-checks as well, so the fix is not hiding a broken case.
    cases.forEach(({ code }, i) => writeFileSync(files[i]!, code));
    const before = ts.createProgram(files, config.options);
    assert.deepEqual(ts.getPreEmitDiagnostics(before).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
