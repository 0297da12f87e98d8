// The Deno adapter for `node:test`: Deno runs node:test suites natively (`deno test`); this
// module, mapped over `node:test` by deno-import-map.json for the test files (not for itself),
// re-exports it unchanged except that the tests listed in node-only.ts for Deno are registered
// as skipped, with their reason. Nothing else differs.
import * as nodeTest from 'node:test';
import { skipsFor } from './node-only.ts';

const skips = skipsFor('deno');

type TestFn = (...args: unknown[]) => unknown;

function skipping(register: TestFn): TestFn {
  return (...args: unknown[]) => {
    const name = args[0];
    const reason = typeof name === 'string' ? skips.get(name) : undefined;
    if (reason === undefined) return register(...args);
    console.log(`SKIPPED on Deno (Node-only test): ${name}\n  why: ${reason}`);
    return register(name, { skip: `Node-only: ${reason}` }, () => {});
  };
}

export const test = skipping(nodeTest.test as TestFn) as typeof nodeTest.test;
export const it = skipping(nodeTest.it as TestFn) as typeof nodeTest.it;
export const { describe, suite, before, after, beforeEach, afterEach, mock } = nodeTest;
export default test;
