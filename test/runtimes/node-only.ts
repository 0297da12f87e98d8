// Tests of the Node suite whose premise is Node's own, and which therefore do not run under
// Deno or Bun. Each has a reason, printed by the runner, and the property it checks on Node is
// checked on the other runtime by a test of test/runtimes/ where one applies.
//
// Keyed by the test's own name (the string passed to test()), per runtime.

export type OtherRuntime = 'deno' | 'bun';

export interface NodeOnlyTest {
  /** The test's name, exactly as passed to test(). */
  readonly name: string;
  /** Why it cannot run there, per runtime; a runtime not listed runs it. */
  readonly reasons: Partial<Record<OtherRuntime, string>>;
}

export const nodeOnlyTests: readonly NodeOnlyTest[] = [
  {
    name: "the event-loop keep-alive, in a child process: `await wg.wait()` for unref'd workers finishes",
    reasons: {
      deno:
        "its premise is Node's exit code 13 for a bare pending Atomics.waitAsync (Deno exits 1, " +
        "'Top-level await promise never resolved'); the keep-alive itself is checked on Deno by " +
        'test/runtimes/keep-alive.test.ts',
      bun:
        'its premise is that a bare pending Atomics.waitAsync lets the process exit (code 13); Bun ' +
        'instead keeps the process alive, spinning a core, so that child never exits; the ' +
        'keep-alive itself is checked on Bun by test/runtimes/keep-alive.test.ts',
    },
  },
];

/** The tests `runtime` skips, with the reason. */
export function skipsFor(runtime: OtherRuntime): Map<string, string> {
  const skips = new Map<string, string>();
  for (const test of nodeOnlyTests) {
    const reason = test.reasons[runtime];
    if (reason !== undefined) skips.set(test.name, reason);
  }
  return skips;
}

/** A regular expression (source) matching every test name except those `runtime` skips (Bun's --test-name-pattern). */
export function namePatternExcluding(runtime: OtherRuntime): string {
  const names = [...skipsFor(runtime).keys()].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return names.length === 0 ? '.*' : `^(?!.*(?:${names.join('|')}))`;
}
