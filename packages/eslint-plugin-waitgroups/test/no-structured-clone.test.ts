import rule from '../src/rules/no-structured-clone.ts';
import { HEADER, LOOK_ALIKE, line, ruleTester } from './tester.ts';

const WORKER = `import { Worker } from 'node:worker_threads';\nconst url = new URL('./worker.mjs', import.meta.url);\n`;

ruleTester.run('no-structured-clone', rule, {
  valid: [
    // A SharedWaitGroup clones into its buffer and offset: the same shared memory.
    { code: HEADER + WORKER + `const swg = new SharedWaitGroup();\nconst worker = new Worker(url);\nworker.postMessage(swg);` },
    { code: HEADER + WORKER + `const swg = new SharedWaitGroup();\nnew Worker(url, { workerData: { buffer: swg.buffer, byteOffset: swg.byteOffset } });` },
    // Plain data read from a group.
    { code: HEADER + `declare const port: MessagePort;\nconst wg = new WaitGroup();\nport.postMessage({ count: wg.count });` },
    { code: HEADER + `const wg = new WaitGroup();\nconst copy = structuredClone(wg.inspect());\nvoid copy;` },
    // A group nested in a SharedWaitGroup-only structure.
    { code: HEADER + `declare const port: MessagePort;\nconst groups: SharedWaitGroup[] = [new SharedWaitGroup()];\nport.postMessage({ groups });` },
    // A function holding a group is not cloned (postMessage would throw anyway).
    { code: HEADER + `declare const log: (value: unknown) => void;\nconst wg = new WaitGroup();\nlog(() => wg.done());` },
    // The look-alike.
    { code: LOOK_ALIKE + `declare const port: MessagePort;\nconst wg = new WaitGroup();\nport.postMessage(wg);\nstructuredClone(new Group());` },
  ],
  invalid: [
    {
      code: HEADER + WORKER + `const wg = new WaitGroup();\nconst worker = new Worker(url);\nworker.postMessage(wg);`,
      errors: [{ messageId: 'cloned', line: line(5), column: 20, data: { what: '`wg`', how: '`postMessage()`', kind: 'WaitGroup' } }],
    },
    {
      code: HEADER + WORKER + `const wg = new WaitGroup();\nconst index = 1;\nnew Worker(url, { workerData: { wg, index } });`,
      errors: [{ messageId: 'cloned', line: line(5), column: 31, data: { what: '`wg` in this value', how: '`workerData`', kind: 'WaitGroup' } }],
    },
    {
      code: HEADER + `declare const port: MessagePort;\nconst group = new Group();\nconst jobs = ['a', 'b'];\nport.postMessage({ jobs, group });`,
      errors: [{ messageId: 'cloned', line: line(4), column: 18, data: { what: '`group` in this value', how: '`postMessage()`', kind: 'Group' } }],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\nconst copy = structuredClone(wg);\nvoid copy;`,
      errors: [{ messageId: 'cloned', line: line(2), column: 30, data: { what: '`wg`', how: '`structuredClone()`', kind: 'WaitGroup' } }],
    },
    {
      // Through nesting, arrays and maps, as vet's copylocks goes through struct fields.
      code: HEADER + `interface Job { name: string; handle: TaskHandle }\ndeclare const channel: BroadcastChannel;\nconst wg = new WaitGroup();\nconst state = { jobs: [{ name: 'a', handle: wg.task('a') }] as Job[] };\nchannel.postMessage(state);`,
      errors: [{ messageId: 'cloned', line: line(5), column: 21, data: { what: '`state.jobs[].handle`', how: '`postMessage()`', kind: 'TaskHandle' } }],
    },
    {
      code: HEADER + `const byName = new Map<string, WaitGroup>([['a', new WaitGroup()]]);\nstructuredClone(byName);`,
      errors: [{ messageId: 'cloned', line: line(2), column: 17, data: { what: '`byName[]`', how: '`structuredClone()`', kind: 'WaitGroup' } }],
    },
    {
      // workerData given as a variable.
      code: HEADER + WORKER + `const options = { workerData: { group: new Group() } };\nnew Worker(url, options);`,
      errors: [{ messageId: 'cloned', line: line(4), column: 17, data: { what: '`options.workerData.group`', how: '`workerData`', kind: 'Group' } }],
    },
    {
      // A class holding a group, sent to a window.
      code: HEADER + `class Batch {\n  constructor(readonly wg: WaitGroup, readonly size: number) {}\n}\nwindow.parent.postMessage(new Batch(new WaitGroup(), 3), '*');`,
      errors: [{ messageId: 'cloned', line: line(4), column: 27, data: { what: '`wg` in this value', how: '`postMessage()`', kind: 'WaitGroup' } }],
    },
  ],
});
