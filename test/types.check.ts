// Type tests: compiled by `npm run typecheck` (tsc --noEmit), never run. Every line marked
// as an expected error must be one, or tsc fails on the unused directive.
import { WaitGroup, WaitGroupError, type WaitGroupErrorCode, type WaitGroupLike, type WaitOptions } from 'waitgroups';

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
// @ts-expect-error exactOptionalPropertyTypes: an absent signal is omitted, not undefined
const badOptions: WaitOptions = { signal: undefined };

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

export { waited, options, badOptions, n, s, nested, wrong, count, later, readCode };
