// Type tests of `using` and `await using` with this package, compiled by test/disposable.test.ts
// against the published declarations (dist/) under the two setups a user without
// `ESNext.Disposable` has: `lib: ["ES2022", "DOM"]` (a browser project) and `lib: ["ES2022"]`
// with `@types/node`. Never run. Every line marked as an expected error must be one, or tsc
// fails on the unused directive.
import { Group, SharedWaitGroup, TaskHandle, WaitGroup } from 'waitgroups';

export async function waitGroupBlock(): Promise<number> {
  await using wg = new WaitGroup(); // disposed: `await wg.wait()`
  wg.add(1);
  setTimeout(() => wg.done(), 1);
  return wg.count;
}

export async function sharedBlock(): Promise<void> {
  await using wg = new SharedWaitGroup();
  using task = wg.task('main'); // a TaskHandle is Disposable: done at the end of the block
  const handle: TaskHandle = task;
  void handle;
}

export async function groupBlock(): Promise<void> {
  await using group = new Group({ limit: 2 });
  group.go(async (signal) => {
    signal.throwIfAborted();
  });
}

export async function scoped(): Promise<void> {
  const value: number = await Group.scope(async (group) => {
    group.go(() => {});
    return 1;
  });
  const withOptions: string = await Group.scope((group) => (group.tryGo(() => {}) ? 'yes' : 'no'), {
    signal: AbortSignal.timeout(10),
    limit: 4,
  });
  const counted: string = await WaitGroup.scope(async (wg) => {
    void wg.go(async () => {});
    return 'done';
  });
  // @ts-expect-error the body's value is a number, not a string
  const wrong: string = await Group.scope(async () => 1);
  // @ts-expect-error limit is a number
  await Group.scope(async () => {}, { limit: '2' });
  // @ts-expect-error scope takes a function
  await Group.scope(42);
  void [value, withOptions, counted, wrong];
}

// The disposers themselves, as a user may call them.
export const disposers: PromiseLike<void>[] = [
  new WaitGroup()[Symbol.asyncDispose](),
  new SharedWaitGroup()[Symbol.asyncDispose](),
  new Group()[Symbol.asyncDispose](),
];
const asyncDisposable: AsyncDisposable = new Group();
const disposable: Disposable = new WaitGroup().task();
// @ts-expect-error a wait group is not synchronously disposable: leaving the block must wait
const notSync: Disposable = new WaitGroup();

export async function notUsing(): Promise<void> {
  // @ts-expect-error `using` needs [Symbol.dispose]: a wait group must be awaited
  using wg = new WaitGroup();
  void wg;
}

export { asyncDisposable, disposable, notSync };
