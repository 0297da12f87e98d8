import rule from '../src/rules/done-in-finally.ts';
import { HEADER, LOOK_ALIKE, line, ruleTester } from './tester.ts';

ruleTester.run('done-in-finally', rule, {
  valid: [
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => { try { await work(); } finally { wg.done(); } })();` },
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid work().finally(() => wg.done());` },
    { code: HEADER + `const wg = new WaitGroup();\nasync function task() {\n  using t = wg.task('task');\n  await work();\n  t.done();\n}\nvoid task();` },
    // Nothing before the done() can skip it.
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nsetTimeout(() => wg.done(), 10);` },
    // The await's rejection is caught before the done().
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => {\n  try {\n    await work();\n  } catch (error) {\n    console.error(error);\n  }\n  wg.done();\n})();` },
    // .then() with a rejection handler.
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid work().then(() => wg.done(), () => wg.done());` },
    // In a go() task the done() is go's own (no-done-in-go reports a done() there).
    { code: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => { await work(); });` },
    // The look-alike.
    { code: LOOK_ALIKE + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => { await work(); wg.done(); })();\nvoid work().then(() => wg.done());` },
  ],
  invalid: [
    {
      code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => {\n  await work();\n  wg.done();\n})();`,
      errors: [
        {
          messageId: 'afterAwait',
          line: line(5),
          column: 3,
          data: { done: 'wg.done()', group: 'wg' },
          suggestions: [
            { messageId: 'useGo', output: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => {\n  await work();\n});` },
            {
              messageId: 'tryFinally',
              output: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => {\n  try {\n    await work();\n  } finally {\n    wg.done();\n  }\n})();`,
            },
          ],
        },
      ],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\ndeclare const urls: string[];\ndeclare const save: (r: Response) => void;\nfor (const u of urls) {\n  wg.add(1);\n  void fetch(u).then((r) => {\n    save(r);\n    wg.done();\n  });\n}`,
      errors: [
        {
          messageId: 'afterThen',
          line: line(8),
          column: 5,
          suggestions: [
            {
              messageId: 'useFinally',
              output:
                HEADER +
                `const wg = new WaitGroup();\ndeclare const urls: string[];\ndeclare const save: (r: Response) => void;\nfor (const u of urls) {\n  wg.add(1);\n  void fetch(u).then((r) => {\n    save(r);\n  }).finally(() => wg.done());\n}`,
            },
          ],
        },
      ],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid work().then(() => wg.done());`,
      errors: [{ messageId: 'afterThen', line: line(3), column: 24, suggestions: [{ messageId: 'useFinally', output: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid work().finally(() => wg.done());` }] }],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\ndeclare const load: () => Promise<string>;\ndeclare const save: (d: string) => Promise<void>;\nasync function task() {\n  const d = await load();\n  await save(d);\n  wg.done();\n}\nwg.add(1);\nvoid task();`,
      errors: [
        {
          messageId: 'afterAwait',
          line: line(7),
          column: 3,
          suggestions: [
            {
              messageId: 'tryFinally',
              output:
                HEADER +
                `const wg = new WaitGroup();\ndeclare const load: () => Promise<string>;\ndeclare const save: (d: string) => Promise<void>;\nasync function task() {\n  try {\n    const d = await load();\n    await save(d);\n  } finally {\n    wg.done();\n  }\n}\nwg.add(1);\nvoid task();`,
            },
          ],
        },
      ],
    },
    {
      // A handle's done() after an await, without using.
      code: HEADER + `const wg = new WaitGroup();\nasync function fetchUser() {\n  const t = wg.task('user');\n  await work();\n  t.done();\n}\nvoid fetchUser();`,
      errors: [
        {
          messageId: 'afterAwait',
          line: line(5),
          column: 3,
          data: { done: 't.done()', group: 'wg' },
          suggestions: [
            { messageId: 'useUsing', output: HEADER + `const wg = new WaitGroup();\nasync function fetchUser() {\n  using t = wg.task('user');\n  await work();\n}\nvoid fetchUser();` },
            {
              messageId: 'tryFinally',
              output: HEADER + `const wg = new WaitGroup();\nasync function fetchUser() {\n  const t = wg.task('user');\n  try {\n    await work();\n  } finally {\n    t.done();\n  }\n}\nvoid fetchUser();`,
            },
          ],
        },
      ],
    },
    {
      // A SharedWaitGroup in a worker: a throw skips the done() and the main thread waits forever.
      code: HEADER + `declare const buffer: SharedArrayBuffer;\nconst swg = new SharedWaitGroup(buffer, 0);\nexport async function onMessage(): Promise<void> {\n  await step();\n  await work();\n  swg.done();\n}`,
      errors: [
        {
          messageId: 'afterAwait',
          line: line(6),
          column: 3,
          data: { done: 'swg.done()', group: 'swg' },
          suggestions: [
            {
              messageId: 'tryFinally',
              output:
                HEADER +
                `declare const buffer: SharedArrayBuffer;\nconst swg = new SharedWaitGroup(buffer, 0);\nexport async function onMessage(): Promise<void> {\n  try {\n    await step();\n    await work();\n  } finally {\n    swg.done();\n  }\n}`,
            },
          ],
        },
      ],
    },
    {
      // The done() is not the last statement: only the advice, no rewrite.
      code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => {\n  await work();\n  wg.done();\n  console.log('done');\n})();`,
      errors: [{ messageId: 'afterAwait', line: line(5), column: 3, suggestions: [] }],
    },
  ],
});
