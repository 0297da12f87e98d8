import rule from '../src/rules/no-lost-task.ts';
import { HEADER, LOOK_ALIKE, line, ruleTester } from './tester.ts';

ruleTester.run('no-lost-task', rule, {
  valid: [
    { code: HEADER + `const wg = new WaitGroup();\nasync function job() {\n  using t = wg.task('fetch');\n  await work();\n}\nvoid job();` },
    { code: HEADER + `const wg = new WaitGroup();\nasync function job() {\n  await using t = wg.task('fetch');\n  await work();\n}\nvoid job();` },
    { code: HEADER + `const wg = new WaitGroup();\nasync function job() {\n  const t = wg.task();\n  try {\n    await work();\n  } finally {\n    t.done();\n  }\n}\nvoid job();` },
    { code: HEADER + `const wg = new WaitGroup();\nconst handles: TaskHandle[] = [];\nhandles.push(wg.task('a'));` },
    { code: HEADER + `const wg = new WaitGroup();\nfunction start(): TaskHandle {\n  return wg.task('job');\n}\nstart().done();` },
    { code: HEADER + `const swg = new SharedWaitGroup();\nconst t = swg.task();\nsetTimeout(() => t.done(), 10);` },
    { code: LOOK_ALIKE + `const wg = new WaitGroup();\nwg.task();\nconst t = wg.task();` },
  ],
  invalid: [
    {
      code: HEADER + `const wg = new WaitGroup();\nwg.task('cache');`,
      errors: [{ messageId: 'discarded', line: line(2), column: 1, data: { group: 'wg' }, suggestions: [{ messageId: 'useUsing', output: HEADER + `const wg = new WaitGroup();\nusing task = wg.task('cache');` }] }],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\nvoid wg.task();`,
      errors: [{ messageId: 'discarded', line: line(2), column: 6, suggestions: [{ messageId: 'useUsing', output: HEADER + `const wg = new WaitGroup();\nusing task = wg.task();` }] }],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\nasync function job() {\n  const t = wg.task('fetch');\n  await work();\n}\nvoid job();`,
      errors: [{ messageId: 'neverRead', line: line(3), column: 9, data: { group: 'wg', handle: 't' }, suggestions: [{ messageId: 'useUsing', output: HEADER + `const wg = new WaitGroup();\nasync function job() {\n  using t = wg.task('fetch');\n  await work();\n}\nvoid job();` }] }],
    },
    {
      // A name that is taken gets another.
      code: HEADER + `const wg = new WaitGroup();\nconst task = 'cache';\nfunction load() {\n  wg.task(task);\n}\nload();`,
      errors: [{ messageId: 'discarded', line: line(4), column: 3, suggestions: [{ messageId: 'useUsing', output: HEADER + `const wg = new WaitGroup();\nconst task = 'cache';\nfunction load() {\n  using task2 = wg.task(task);\n}\nload();` }] }],
    },
    {
      // Assigned again: `using` cannot be, so no suggestion.
      code: HEADER + `const swg = new SharedWaitGroup();\nlet handle = swg.task();\nhandle = swg.task();`,
      errors: [{ messageId: 'neverRead', line: line(2), column: 5, data: { group: 'swg', handle: 'handle' }, suggestions: [] }],
    },
    {
      // Two declarators: `using` would change both, so no suggestion.
      code: HEADER + `const wg = new WaitGroup();\nconst a = wg.task('a'), b = wg.task('b');\nb.done();`,
      errors: [{ messageId: 'neverRead', line: line(2), column: 7, data: { group: 'wg', handle: 'a' }, suggestions: [] }],
    },
    {
      code: HEADER + `class Loader {\n  wg = new WaitGroup();\n  load(): void {\n    this.wg.task('load');\n  }\n}`,
      errors: [{ messageId: 'discarded', line: line(4), column: 5, data: { group: 'this.wg' }, suggestions: [{ messageId: 'useUsing', output: HEADER + `class Loader {\n  wg = new WaitGroup();\n  load(): void {\n    using task = this.wg.task('load');\n  }\n}` }] }],
    },
  ],
});
