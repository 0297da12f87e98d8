// Preloaded by `npm run test:rules` (`--import ./test/setup.ts`): runs RuleTester on node:test,
// and lets the fixtures import `waitgroups` as a user does, from node_modules.
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { RuleTester } from '@typescript-eslint/rule-tester';

RuleTester.afterAll = after;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

// The fixtures resolve `waitgroups` to this repository's built package (its dist/ types) through
// a node_modules link, so that the rules see it as a package, as in a user's project.
const modules = new URL('fixtures/node_modules/', import.meta.url);
if (!existsSync(new URL('waitgroups', modules))) {
  mkdirSync(modules, { recursive: true });
  try {
    symlinkSync('../../../../..', new URL('waitgroups', modules), 'dir');
  } catch (error) {
    // Test files run in parallel processes: another one may have made it first.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
