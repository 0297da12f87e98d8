// Type tests: compiled, never run, by `npm run typecheck` (tsc --noEmit, this repository's
// settings) and by `npm run test:types` (test/types.test.ts: the oldest TypeScript that
// package.json claims, 6.x and 7.x, each with and without exactOptionalPropertyTypes, on the
// built declarations with skipLibCheck off). Every line marked as an expected error must be
// one, or tsc fails on the unused directive; so every line here holds in all of those modes.
import {
  Group,
  SharedWaitGroup,
  WaitGroup,
  WaitGroupError,
  type GroupOptions,
  type SharedWaitGroupMemory,
  type WaitGroupErrorCode,
  type WaitGroupLike,
  type WaitGroupOptions,
  type WaitOptions,
  type WaitSyncOptions,
} from 'waitgroups';

const wg = new WaitGroup();
const like: WaitGroupLike = wg;

wg.add();
wg.add(2);
// @ts-expect-error delta is a number
wg.add('1');
// @ts-expect-error done takes no argument
wg.done(1);

const waited: Promise<void> = wg.wait({ signal: AbortSignal.timeout(10), timeout: 5 });
// @ts-expect-error timeout is a number of milliseconds
void wg.wait({ timeout: '5' });
// @ts-expect-error signal is an AbortSignal
void wg.wait({ signal: new AbortController() });
// @ts-expect-error unknown option
void wg.wait({ limit: 1 });

const options: WaitOptions = {};
// Optional properties take `undefined` wherever the runtime does (also under
// exactOptionalPropertyTypes), so options can be forwarded as they come.
declare const maybeTimeout: number | undefined;
declare const maybeSignal: AbortSignal | undefined;
const forwarded: Promise<void> = wg.wait({ timeout: maybeTimeout, signal: maybeSignal });
const undefinedOptions: WaitOptions = { signal: undefined, timeout: undefined };
const groupOptions: GroupOptions = { signal: maybeSignal, limit: undefined };
const wgOptions: WaitGroupOptions = { debug: undefined };
// @ts-expect-error debug is a boolean
const badDebug: WaitGroupOptions = { debug: 1 };
// @ts-expect-error limit is a number
new Group({ limit: '2' });

// go() infers the task's result, unwrapping promises.
const n: Promise<number> = wg.go(() => 1);
const s: Promise<string> = wg.go(async () => 'x');
const nested: Promise<number> = wg.go(() => Promise.resolve(Promise.resolve(3)));
// @ts-expect-error the result is a number, not a string
const wrong: Promise<string> = wg.go(() => 1);
// @ts-expect-error go takes a function
void wg.go(42);
// @ts-expect-error go's function takes no argument
void wg.go((x: number) => x);

const count: number = like.count;
// @ts-expect-error count is read-only
wg.count = 1;
// @ts-expect-error waiters is read-only
like.waiters = 1;

const code: WaitGroupErrorCode = 'ERR_WAITGROUP_TIMEOUT';
const later: WaitGroupErrorCode = 'ERR_FROM_A_LATER_VERSION';
const error = new WaitGroupError(code, 'message');
const readCode: WaitGroupErrorCode = error.code;
// @ts-expect-error code is read-only
error.code = 'x';
// @ts-expect-error a code is required
new WaitGroupError('message');

// SharedWaitGroup: waitSync's options, and what a worker receives to attach.
const shared = new SharedWaitGroup();
const syncOptions: WaitSyncOptions = { timeout: maybeTimeout };
shared.waitSync(syncOptions);
shared.waitSync({});
// @ts-expect-error waitSync has no signal: a blocked thread cannot run an abort listener
shared.waitSync({ signal: maybeSignal });
// @ts-expect-error timeout is a number of milliseconds
shared.waitSync({ timeout: '5' });
const memory: SharedWaitGroupMemory = shared; // a group is its own attachment data
declare const workerData: unknown;
const received = workerData as SharedWaitGroupMemory;
const attached = new SharedWaitGroup(received.buffer, received.byteOffset);
const sharedLike: WaitGroupLike = attached;
// @ts-expect-error the buffer is a SharedArrayBuffer: a plain ArrayBuffer would be a copy
const copied: SharedWaitGroupMemory = { buffer: new ArrayBuffer(16), byteOffset: 0 };
// @ts-expect-error buffer is read-only
memory.buffer = new SharedArrayBuffer(16);

export { waited, options, forwarded, undefinedOptions, groupOptions, wgOptions, badDebug, memory, sharedLike, copied, n, s, nested, wrong, count, later, readCode };
