import rule from '../src/rules/no-wait-in-own-task.ts';
import { HEADER, LOOK_ALIKE, line, ruleTester } from './tester.ts';

ruleTester.run('no-wait-in-own-task', rule, {
  valid: [
    // Another group's wait inside a task.
    { code: HEADER + `const wg = new WaitGroup(); const other = new WaitGroup();\nvoid wg.go(async () => { await other.wait(); });` },
    // The usual shape: start, then wait outside.
    { code: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => { await step(); });\nawait wg.wait();` },
    // A wait deferred by the task (a timer) is not judged: it may run after the task ended.
    { code: HEADER + `const wg = new WaitGroup();\nvoid wg.go(() => { setTimeout(() => void wg.wait().then(work), 0); });` },
    // The handle is done before the wait.
    { code: HEADER + `const wg = new WaitGroup();\nasync function job() {\n  const t = wg.task('job');\n  await work();\n  t.done();\n  await wg.wait();\n}\nvoid job();` },
    // The using block has ended when the wait runs.
    { code: HEADER + `const wg = new WaitGroup();\nasync function job() {\n  {\n    using t = wg.task('job');\n    await work();\n  }\n  await wg.wait();\n}\nvoid job();` },
    // A scope body is not a task of its group: waiting there is how the body ends its tasks.
    { code: HEADER + `declare const scope: <T>(body: (group: Group) => Promise<T>) => Promise<T>;\nawait scope(async (group) => {\n  group.go(work);\n  await group.wait();\n});` },
    // The look-alike class, same names, not from waitgroups.
    { code: LOOK_ALIKE + `const wg = new WaitGroup();\nvoid wg.go(async () => { await wg.wait(); });\nconst g = new Group();\ng.go(async () => { await g.wait(); });` },
  ],
  invalid: [
    {
      code: HEADER + `const wg = new WaitGroup();\nvoid wg.go(async () => { await step(); await wg.wait(); });`,
      errors: [{ messageId: 'inGoTask', line: line(2), column: 46, data: { group: 'wg', method: 'wait', start: 'go' } }],
    },
    {
      code: HEADER + `const group = new Group();\ngroup.go(async () => {\n  await group.wait();\n});`,
      errors: [{ messageId: 'inGoTask', line: line(3), column: 9 }],
    },
    {
      code: HEADER + `const group = new Group({ limit: 2 });\ngroup.tryGo(async () => { await group.wait(); });`,
      errors: [{ messageId: 'inGoTask', line: line(2), column: 33, data: { group: 'group', method: 'wait', start: 'tryGo' } }],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\nasync function job() {\n  using t = wg.task('job');\n  await wg.wait();\n}\nvoid job();`,
      errors: [{ messageId: 'inHandleTask', line: line(4), column: 9, data: { group: 'wg', method: 'wait', handle: 't' } }],
    },
    {
      code: HEADER + `const swg = new SharedWaitGroup();\nfunction job() {\n  const t = swg.task();\n  swg.waitSync();\n  t.done();\n}\njob();`,
      errors: [{ messageId: 'inHandleTask', line: line(4), column: 3, data: { group: 'swg', method: 'waitSync', handle: 't' } }],
    },
    {
      code: HEADER + `class Crawler {\n  readonly wg = new WaitGroup();\n  visit(): void {\n    void this.wg.go(async () => {\n      await work();\n      await this.wg.wait();\n    });\n  }\n}`,
      errors: [{ messageId: 'inGoTask', line: line(6), column: 13, data: { group: 'this.wg', method: 'wait', start: 'go' } }],
    },
    {
      // The type is the interface: any group of the package.
      code: HEADER + `function fanOut(wg: WaitGroupLike): void {\n  void wg.go(async () => {\n    await wg.wait({ timeout: 100 });\n  });\n}\nfanOut(new WaitGroup());`,
      errors: [{ messageId: 'inGoTask', line: line(3), column: 11 }],
    },
    {
      // Inside a scope, a task of the scope's group.
      code: HEADER + `declare const scope: <T>(body: (group: Group) => Promise<T>) => Promise<T>;\nawait scope(async (group) => {\n  group.go(async () => {\n    await group.wait();\n  });\n});`,
      errors: [{ messageId: 'inGoTask', line: line(4), column: 11 }],
    },
  ],
});
