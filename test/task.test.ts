// TaskHandle: what is published of it. Its behaviour (done once, `using`) is in the contract suite.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TaskHandle, WaitGroup } from 'waitgroups';

const dist = new URL('../dist/', import.meta.url);

test('the published declarations give TaskHandle no public constructor and no factory', () => {
  const task = readFileSync(new URL('task.d.ts', dist), 'utf8');
  assert.match(task, /^\s*private constructor\(\);$/m, 'the constructor is declared private, without its parameters');
  assert.doesNotMatch(task, /constructor\(\s*\w/, 'no constructor signature with parameters');
  assert.doesNotMatch(task, /taskHandle/, 'the internal factory is stripped');
  assert.doesNotMatch(readFileSync(new URL('index.d.ts', dist), 'utf8'), /taskHandle/);
});

test('new TaskHandle() from JavaScript throws ERR_ILLEGAL_CONSTRUCTOR; wg.task() makes handles', () => {
  const Construct = TaskHandle as unknown as new (...args: unknown[]) => TaskHandle;
  assert.throws(() => new Construct(Symbol('TaskHandle'), 'forged', () => {}), {
    name: 'TypeError',
    code: 'ERR_ILLEGAL_CONSTRUCTOR',
    message: 'Illegal constructor: a TaskHandle is made by wg.task(label)',
  });
  const handle = new WaitGroup().task('real');
  assert.ok(handle instanceof TaskHandle);
  handle.done();
});
