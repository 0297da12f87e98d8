import rule from '../src/rules/no-done-in-go.ts';
import { HEADER, LOOK_ALIKE, line, ruleTester } from './tester.ts';

ruleTester.run('no-done-in-go', rule, {
  valid: [
    { code: HEADER + `const wg = new WaitGroup();\nvoid wg.go(work);` },
    // Another group's done().
    { code: HEADER + `const wg = new WaitGroup();\nconst other = new WaitGroup();\nother.add(1);\nvoid wg.go(async () => { await work(); other.done(); });` },
    // A done() that pairs with an add() of a subtask inside the task.
    { code: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => {\n  wg.add(1);\n  void work().finally(() => wg.done());\n});` },
    // Disposing of a handle already done does nothing (task.ts): done() then the end of the block is fine.
    { code: HEADER + `const wg = new WaitGroup();\nasync function job() {\n  using t = wg.task();\n  await work();\n  t.done();\n}\nvoid job();` },
    // Two handles, one done() each.
    { code: HEADER + `const wg = new WaitGroup();\nconst a = wg.task('a');\nconst b = wg.task('b');\na.done();\nb.done();` },
    // done() on different paths.
    { code: HEADER + `const wg = new WaitGroup();\ndeclare const ok: boolean;\nconst t = wg.task();\nif (ok) {\n  t.done();\n} else {\n  t.done();\n}` },
    // A new handle in the same variable.
    { code: HEADER + `const wg = new WaitGroup();\nlet t = wg.task();\nt.done();\nt = wg.task();\nt.done();` },
    // The look-alike.
    { code: LOOK_ALIKE + `const wg = new WaitGroup();\nvoid wg.go(async () => { await work(); wg.done(); });\nconst t = wg.task();\nt.done();\nt.done();` },
  ],
  invalid: [
    {
      code: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => {\n  await work();\n  wg.done();\n});`,
      errors: [
        {
          messageId: 'doneInGo',
          line: line(4),
          column: 3,
          data: { group: 'wg' },
          suggestions: [{ messageId: 'remove', output: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => {\n  await work();\n});` }],
        },
      ],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => {\n  try {\n    await work();\n  } finally {\n    wg.done();\n  }\n});`,
      errors: [
        {
          messageId: 'doneInGo',
          line: line(6),
          column: 5,
          suggestions: [{ messageId: 'remove', output: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => {\n  try {\n    await work();\n  } finally {\n  }\n});` }],
        },
      ],
    },
    {
      // In a callback inside the task: still a unit of the task, taken twice.
      code: HEADER + `const swg = new SharedWaitGroup();\nvoid swg.go(() => {\n  setTimeout(() => swg.done(), 10);\n});`,
      errors: [{ messageId: 'doneInGo', line: line(3), column: 20, data: { group: 'swg' }, suggestions: [] }],
    },
    {
      code: HEADER + `function run(wg: WaitGroupLike): Promise<void> {\n  return wg.go(async () => { await work(); wg.done(); });\n}\nvoid run(new WaitGroup());`,
      errors: [{ messageId: 'doneInGo', line: line(2), column: 44, suggestions: [{ messageId: 'remove', output: HEADER + `function run(wg: WaitGroupLike): Promise<void> {\n  return wg.go(async () => { await work(); });\n}\nvoid run(new WaitGroup());` }] }],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\nconst t = wg.task();\nt.done();\nt.done();`,
      errors: [{ messageId: 'doneTwice', line: line(4), column: 1, data: { handle: 't' }, suggestions: [{ messageId: 'remove', output: HEADER + `const wg = new WaitGroup();\nconst t = wg.task();\nt.done();` }] }],
    },
    {
      // The second done() is nested, still on the path after the first.
      code: HEADER + `const wg = new WaitGroup();\ndeclare const failed: boolean;\nasync function job(t: TaskHandle) {\n  t.done();\n  await work();\n  if (failed) {\n    t.done();\n  }\n}\nvoid job(wg.task('job'));`,
      errors: [{ messageId: 'doneTwice', line: line(7), column: 5, suggestions: [{ messageId: 'remove', output: HEADER + `const wg = new WaitGroup();\ndeclare const failed: boolean;\nasync function job(t: TaskHandle) {\n  t.done();\n  await work();\n  if (failed) {\n  }\n}\nvoid job(wg.task('job'));` }] }],
    },
    {
      code: HEADER + `class Pool {\n  wg = new WaitGroup();\n  run(): void {\n    void this.wg.go(async () => {\n      await work();\n      this.wg.done();\n    });\n  }\n}`,
      errors: [{ messageId: 'doneInGo', line: line(6), column: 7, data: { group: 'this.wg' }, suggestions: [{ messageId: 'remove', output: HEADER + `class Pool {\n  wg = new WaitGroup();\n  run(): void {\n    void this.wg.go(async () => {\n      await work();\n    });\n  }\n}` }] }],
    },
  ],
});
