import rule from '../src/rules/add-before-start.ts';
import { HEADER, LOOK_ALIKE, line, ruleTester } from './tester.ts';

ruleTester.run('add-before-start', rule, {
  valid: [
    // An IIFE runs synchronously up to its first await: an add there comes before wait() can run.
    { code: HEADER + `const wg = new WaitGroup();\nvoid (async () => { wg.add(1); try { await work(); } finally { wg.done(); } })();\nawait wg.wait();` },
    // The usual shape: add, then start.
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => { try { await work(); } finally { wg.done(); } })();\nawait wg.wait();` },
    // Inside a go() task the counter cannot be zero: the task itself is counted.
    {
      code:
        HEADER +
        `const wg = new WaitGroup();\ndeclare const list: () => Promise<string[]>;\ndeclare const visit: (c: string) => Promise<void>;\nvoid wg.go(async () => {\n  for (const c of await list()) {\n    wg.add(1);\n    void visit(c).finally(() => wg.done());\n  }\n});\nawait wg.wait();`,
    },
    // The timer callback is counted just before it is scheduled.
    { code: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nsetTimeout(() => { wg.add(1); wg.done(); wg.done(); }, 0);\nawait wg.wait();` },
    // An add after an await that does not count its own task (no done() here).
    { code: HEADER + `const wg = new WaitGroup();\nasync function plan(): Promise<void> { await ready; wg.add(2); }\nawait plan();` },
    // Workers handed the memory after the add.
    {
      code:
        HEADER +
        `import { Worker } from 'node:worker_threads';\nconst swg = new SharedWaitGroup();\nswg.add(4);\nfor (let i = 0; i < 4; i++) new Worker('./worker.mjs', { workerData: { buffer: swg.buffer, byteOffset: swg.byteOffset } });\nawait swg.wait();`,
    },
    // A function stored for later has not started anything.
    { code: HEADER + `const wg = new WaitGroup();\nconst finish = () => wg.done();\nwg.add(1);\nsetTimeout(finish, 10);\nawait wg.wait();` },
    // The look-alike.
    { code: LOOK_ALIKE + `const wg = new WaitGroup();\nsetTimeout(() => { wg.add(1); wg.done(); }, 0);\nvoid (async () => { try { await work(); } finally { wg.done(); } })();\nwg.add(1);` },
  ],
  invalid: [
    {
      // The seed's second mistake: the task counts itself after its first await.
      code: HEADER + `const wg = new WaitGroup();\nvoid (async () => {\n  await ready;\n  wg.add(1);\n  try {\n    await work();\n  } finally {\n    wg.done();\n  }\n})();\nawait wg.wait();`,
      errors: [
        {
          messageId: 'afterYield',
          line: line(4),
          column: 3,
          data: { group: 'wg', method: 'add', why: 'after an `await`' },
          suggestions: [
            {
              messageId: 'moveUp',
              data: { group: 'wg', method: 'add' },
              output:
                HEADER +
                `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => {\n  await ready;\n  try {\n    await work();\n  } finally {\n    wg.done();\n  }\n})();\nawait wg.wait();`,
            },
          ],
        },
      ],
    },
    {
      code: HEADER + `const wg = new WaitGroup();\nsetTimeout(() => {\n  wg.add(1);\n  void work();\n  wg.done();\n}, 0);\nawait wg.wait();`,
      errors: [
        {
          messageId: 'afterYield',
          line: line(3),
          column: 3,
          data: { group: 'wg', method: 'add', why: 'it is a callback of `setTimeout()`' },
          suggestions: [
            {
              messageId: 'moveUp',
              output: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nsetTimeout(() => {\n  void work();\n  wg.done();\n}, 0);\nawait wg.wait();`,
            },
          ],
        },
      ],
    },
    {
      // A handle taken in a .then() callback: the chain has yielded.
      code: HEADER + `const wg = new WaitGroup();\nvoid ready.then(() => {\n  using task = wg.task('after ready');\n});\nawait wg.wait();`,
      errors: [
        {
          messageId: 'afterYield',
          line: line(3),
          column: 16,
          data: { group: 'wg', method: 'task', why: 'it is a callback of `.then()`' },
          suggestions: [],
        },
      ],
    },
    {
      // Workers started before the count: one may call done() on a zero counter.
      code:
        HEADER +
        `import { Worker } from 'node:worker_threads';\nconst swg = new SharedWaitGroup();\nfor (let i = 0; i < 4; i++) new Worker('./worker.mjs', { workerData: { buffer: swg.buffer, byteOffset: swg.byteOffset } });\nswg.add(4);\nawait swg.wait();`,
      errors: [
        {
          messageId: 'afterStart',
          line: line(4),
          column: 1,
          data: { group: 'swg', method: 'add' },
          suggestions: [
            {
              messageId: 'moveUp',
              output:
                HEADER +
                `import { Worker } from 'node:worker_threads';\nconst swg = new SharedWaitGroup();\nswg.add(4);\nfor (let i = 0; i < 4; i++) new Worker('./worker.mjs', { workerData: { buffer: swg.buffer, byteOffset: swg.byteOffset } });\nawait swg.wait();`,
            },
          ],
        },
      ],
    },
    {
      // The task was started first, then counted.
      code: HEADER + `const wg = new WaitGroup();\nvoid (async () => { try { await work(); } finally { wg.done(); } })();\nwg.add(1);\nawait wg.wait();`,
      errors: [
        {
          messageId: 'afterStart',
          line: line(3),
          column: 1,
          suggestions: [
            {
              messageId: 'moveUp',
              output: HEADER + `const wg = new WaitGroup();\nwg.add(1);\nvoid (async () => { try { await work(); } finally { wg.done(); } })();\nawait wg.wait();`,
            },
          ],
        },
      ],
    },
    {
      // A worker handed the group itself, then the count.
      code: HEADER + `declare const port: MessagePort;\nconst swg = new SharedWaitGroup();\nport.postMessage(swg);\nswg.add();\nawait swg.wait();`,
      errors: [
        {
          messageId: 'afterStart',
          line: line(4),
          column: 1,
          suggestions: [{ messageId: 'moveUp', output: HEADER + `declare const port: MessagePort;\nconst swg = new SharedWaitGroup();\nswg.add();\nport.postMessage(swg);\nawait swg.wait();` }],
        },
      ],
    },
    {
      // A named async function that counts itself after yielding: no start statement to move to.
      code: HEADER + `const wg = new WaitGroup();\nasync function job(): Promise<void> {\n  await ready;\n  wg.add(1);\n  wg.done();\n}\nvoid job();\nawait wg.wait();`,
      errors: [{ messageId: 'afterYield', line: line(4), column: 3, suggestions: [] }],
    },
    {
      // A group in a property: the arrow's \`this\` is the method's, so the add can move out.
      code: HEADER + `class Loader {\n  wg = new WaitGroup();\n  load(): void {\n    setTimeout(() => {\n      this.wg.add(1);\n      this.wg.done();\n    }, 0);\n  }\n}`,
      errors: [
        {
          messageId: 'afterYield',
          line: line(5),
          column: 7,
          data: { group: 'this.wg', method: 'add', why: 'it is a callback of `setTimeout()`' },
          suggestions: [
            {
              messageId: 'moveUp',
              output: HEADER + `class Loader {\n  wg = new WaitGroup();\n  load(): void {\n    this.wg.add(1);\n    setTimeout(() => {\n      this.wg.done();\n    }, 0);\n  }\n}`,
            },
          ],
        },
      ],
    },
    {
      // Inside a loop body after the await: flagged, but moving it would change the count.
      code:
        HEADER +
        `const wg = new WaitGroup();\ndeclare const list: () => Promise<string[]>;\nvoid (async () => {\n  for (const file of await list()) {\n    wg.add(1);\n    void work().finally(() => wg.done());\n  }\n})();\nawait wg.wait();`,
      errors: [{ messageId: 'afterYield', line: line(5), column: 5, suggestions: [] }],
    },
  ],
});
