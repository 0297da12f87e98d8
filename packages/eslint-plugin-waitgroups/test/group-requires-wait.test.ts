import rule from '../src/rules/group-requires-wait.ts';
import { HEADER, LOOK_ALIKE, line, ruleTester } from './tester.ts';

ruleTester.run('group-requires-wait', rule, {
  valid: [
    { code: HEADER + `const g = new Group();\ng.go(work);\nawait g.wait();` },
    { code: HEADER + `function start(): Group {\n  const g = new Group();\n  g.go(work);\n  return g;\n}\nawait start().wait();` },
    { code: HEADER + `class Service {\n  group = new Group();\n  start(): void {\n    this.group.go(work);\n  }\n}\nvoid Service;` },
    // Handed to code that may wait for it.
    { code: HEADER + `declare const track: (g: Group) => void;\nconst g = new Group({ limit: 2 });\ng.go(work);\ntrack(g);` },
    // Given no task: nothing to lose.
    { code: HEADER + `const g = new Group();\ng.setLimit(3);` },
    // \`await using\` waits when the block exits (Group's [Symbol.asyncDispose]).
    { code: HEADER + `async function job() {\n  await using g = new Group();\n  g.go(work);\n}\nawait job();` },
    // A scope waits for its group.
    { code: HEADER + `declare const scope: <T>(body: (group: Group) => Promise<T>) => Promise<T>;\nawait scope(async (group) => {\n  group.go(work);\n});` },
    // The wait is on a path: not judged further.
    { code: HEADER + `declare const ok: boolean;\nconst g = new Group();\ng.go(work);\nif (ok) await g.wait();` },
    // The look-alike.
    { code: LOOK_ALIKE + `const g = new Group();\ng.go(work);` },
  ],
  invalid: [
    {
      code: HEADER + `declare const a: () => Promise<void>;\ndeclare const b: () => Promise<void>;\nconst g = new Group();\ng.go(a);\ng.go(b);`,
      errors: [{ messageId: 'neverWaited', line: line(3), column: 7, data: { name: 'g' } }],
    },
    {
      code: HEADER + `declare const files: string[];\ndeclare const upload: (f: string) => Promise<void>;\nconst g = new Group({ limit: 2 });\nfor (const f of files) g.go(() => upload(f));`,
      errors: [{ messageId: 'neverWaited', line: line(3), column: 7 }],
    },
    {
      // Only its signal escapes: the errors still go nowhere.
      code: HEADER + `function start(): AbortSignal {\n  const g = new Group();\n  g.go(work);\n  return g.signal;\n}\nvoid start();`,
      errors: [{ messageId: 'neverWaited', line: line(2), column: 9 }],
    },
    {
      code: HEADER + `async function sync(ids: number[], save: (id: number, signal: AbortSignal) => Promise<void>) {\n  const group = new Group();\n  for (const id of ids) {\n    if (!group.tryGo((signal) => save(id, signal))) break;\n  }\n}\nvoid sync;`,
      errors: [{ messageId: 'neverWaited', line: line(2), column: 9, data: { name: 'group' } }],
    },
    {
      code: HEADER + `let g = new Group();\ng.setLimit(4);\ng.go(work);`,
      errors: [{ messageId: 'neverWaited', line: line(1), column: 5 }],
    },
    {
      // A child of a parent signal: an abort stops its tasks, but their errors still go nowhere.
      code: HEADER + `declare const parent: AbortSignal;\nexport function run(): void {\n  const child = new Group({ signal: parent });\n  child.go(async (signal) => { await fetch('https://example.com', { signal }); });\n}`,
      errors: [{ messageId: 'neverWaited', line: line(3), column: 9, data: { name: 'child' } }],
    },
  ],
});
