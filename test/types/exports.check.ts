// Type tests of Group, SharedWaitGroup, TaskHandle and `using`, besides those of
// test/types.check.ts (WaitGroup, the options, SharedWaitGroupMemory), against the built
// package's declarations. Compiled, never run, by `npm run typecheck` and, with types.check.ts,
// by test/types.test.ts on every supported TypeScript, with and without
// exactOptionalPropertyTypes: every line holds in all of those modes. Every line marked as an
// expected error must be one, or tsc fails on the unused directive.
import {
  Group,
  SharedWaitGroup,
  TaskHandle,
  WaitGroup,
  type GroupOptions,
  type OutstandingTask,
  type WaitGroupInspection,
  type WaitGroupLike,
  type WaitGroupOptions,
} from 'waitgroups';

// ---- Group ----------------------------------------------------------------------------------

const group = new Group();
const limited = new Group({ signal: AbortSignal.timeout(10), limit: 4 });
const groupOptions: GroupOptions = { limit: -1 };
// @ts-expect-error signal is an AbortSignal, not its controller
new Group({ signal: new AbortController() });
// @ts-expect-error unknown option
new Group({ timeout: 5 });

// A task receives the group's signal and may return anything: a value, a promise, a thenable.
group.go((signal: AbortSignal) => signal.throwIfAborted());
group.go(async () => 1);
group.go(() => ({ then: (resolve: (value: string) => void) => resolve('x') }));
const started: boolean = group.tryGo(() => undefined);
// @ts-expect-error go() returns nothing: the outcome is reported by wait()
const goResult: Promise<unknown> = group.go(async () => 1);
// @ts-expect-error the task's argument is the signal, not a number
group.go((n: number) => n);
// @ts-expect-error go takes a function
group.go(42);
// @ts-expect-error tryGo takes a function
group.tryGo('task');

group.setLimit(3);
// @ts-expect-error the limit is a number
group.setLimit('3');
const groupWaited: Promise<void> = group.wait();
// @ts-expect-error Group.wait takes no options (the group's signal cancels it)
void group.wait({ timeout: 5 });

const groupSignal: AbortSignal = group.signal;
// @ts-expect-error signal is read-only
group.signal = new AbortController().signal;
// @ts-expect-error a Group is not a WaitGroupLike: it has no add()/done()
const groupAsLike: WaitGroupLike = group;

// ---- SharedWaitGroup ------------------------------------------------------------------------

const shared = new SharedWaitGroup();
const attached = new SharedWaitGroup(shared.buffer, shared.byteOffset);
const inBuffer = new SharedWaitGroup(new SharedArrayBuffer(4 * SharedWaitGroup.BYTE_LENGTH), 2 * SharedWaitGroup.BYTE_LENGTH);
const sharedLike: WaitGroupLike = shared;
// @ts-expect-error the memory must be shared
new SharedWaitGroup(new ArrayBuffer(16));
// @ts-expect-error the offset is a number
new SharedWaitGroup(shared.buffer, '0');

const memory: SharedArrayBuffer = attached.buffer;
const offset: number = inBuffer.byteOffset;
const byteLength: number = SharedWaitGroup.BYTE_LENGTH;
// @ts-expect-error byteOffset is read-only
shared.byteOffset = 16;
// @ts-expect-error BYTE_LENGTH is read-only
SharedWaitGroup.BYTE_LENGTH = 32;
// @ts-expect-error count is read-only
shared.count = 0;

shared.add();
shared.add(-1);
// @ts-expect-error delta is a number
shared.add('1');
const sharedWaited: Promise<void> = shared.wait({ signal: AbortSignal.timeout(10), timeout: 5 });
shared.waitSync();
shared.waitSync({ timeout: 5 });
// @ts-expect-error waitSync returns nothing, it blocks
const waitSyncResult: Promise<void> = shared.waitSync();
const sharedGo: Promise<number> = shared.go(async () => 1);
// @ts-expect-error go's function takes no argument
void shared.go((x: number) => x);

// ---- TaskHandle and `using` -----------------------------------------------------------------

const handle: TaskHandle = new WaitGroup().task('load');
const sharedHandle: TaskHandle = shared.task();
const label: string = handle.label;
const isDone: boolean = handle.isDone;
const disposable: Disposable = handle;
handle.done();
// @ts-expect-error label is read-only
handle.label = 'other';
// @ts-expect-error isDone is read-only
handle.isDone = true;
// @ts-expect-error the label is a string
new WaitGroup().task(1);
// @ts-expect-error a TaskHandle has no public constructor: wg.task() makes it
new TaskHandle();
// @ts-expect-error nor one that takes a label
new TaskHandle('load');
// @ts-expect-error done takes no argument
handle.done(true);

function withUsing(wg: WaitGroupLike): number {
  using task = wg.task('work'); // done however the block exits
  const held: TaskHandle = task;
  return held.label.length;
}
async function withAwaitUsing(wg: WaitGroup): Promise<void> {
  await using task = wg.task(); // a Disposable works with `await using` too
  await wg.wait({ timeout: task.isDone ? 0 : 1 });
}
function usingMisuse(wg: WaitGroup): void {
  // @ts-expect-error a group is not Disposable: `using` takes a task handle
  using counted = wg;
  // @ts-expect-error nor is the promise of go()
  using started = wg.go(() => 1);
  void [counted, started];
}

// ---- the option and inspection types ----------------------------------------------------------

const debugOptions: WaitGroupOptions = { debug: true };
const inspection: WaitGroupInspection = new WaitGroup(debugOptions).inspect();
const outstanding: readonly OutstandingTask[] = inspection.outstanding;
const kind: 'go' | 'task' | 'add' = outstanding[0]!.kind;
// @ts-expect-error the list of outstanding tasks is read-only
inspection.outstanding.push(outstanding[0]!);
// @ts-expect-error an outstanding task is read-only
outstanding[0]!.units = 2;

export {
  limited,
  groupOptions,
  started,
  goResult,
  groupWaited,
  groupSignal,
  groupAsLike,
  sharedLike,
  memory,
  offset,
  byteLength,
  sharedWaited,
  waitSyncResult,
  sharedGo,
  sharedHandle,
  label,
  isDone,
  disposable,
  withUsing,
  withAwaitUsing,
  usingMisuse,
  kind,
};
