// The RuleTester of every rule test: typed linting of the fixtures project.
import { RuleTester } from '@typescript-eslint/rule-tester';

export const fixtures = new URL('fixtures/', import.meta.url).pathname;

export const ruleTester = new RuleTester({
  languageOptions: {
    parserOptions: {
      projectService: true,
      tsconfigRootDir: fixtures,
    },
  },
});

/** A look-alike of WaitGroup and Group, declared in the test's file: never reported. */
export const LOOK_ALIKE = `
class WaitGroup {
  add(delta = 1): void { void delta; }
  done(): void {}
  wait(): Promise<void> { return Promise.resolve(); }
  waitSync(): void {}
  go(fn: () => unknown): Promise<void> { void fn; return Promise.resolve(); }
  task(): { done(): void; [Symbol.dispose](): void } { return { done() {}, [Symbol.dispose]() {} }; }
}
class Group { go(fn: () => unknown): void { void fn; } wait(): Promise<void> { return Promise.resolve(); } }
declare const work: () => Promise<void>;
`;

/** The imports and helpers that the cases use. */
export const HEADER = `import { Group, SharedWaitGroup, WaitGroup, type TaskHandle, type WaitGroupLike } from 'waitgroups';
declare const work: () => Promise<void>;
declare const step: () => Promise<void>;
declare const ready: Promise<void>;
`;

/** Lines of HEADER: a case's line n (1-based, after the header) is `line(n)`. */
export const line = (n: number): number => n + HEADER.split('\n').length - 1;
