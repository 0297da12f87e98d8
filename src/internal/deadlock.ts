// The deadlock report: Go's "all goroutines are asleep - deadlock!" for in-thread groups.
// Rounds that had waiters are kept in a list; when the process is about to exit because
// nothing is left to run (Node's, Bun's and Deno's `beforeExit`) and a round of the list still
// has waiters, no task can ever call done() again: print one report and make the exit code
// non-zero.
// The hook is reached by feature detection, installed on first use, and keeps nothing alive.
import { formatOutstanding, trackers } from './debug.js';

/** What the report needs of a group. */
export interface ReportedGroup {
  readonly count: number;
  readonly waiters: number;
}

/** A member of the list: a round that may have pending waiters. */
export interface Pending {
  readonly group: ReportedGroup;
  /** `wait()` calls of the round still pending. */
  readonly waiters: number;
  /** Whether the round is in the list: set by {@link list}, cleared when a compaction drops it. */
  listed: boolean;
}

interface ExitHooks {
  on?(event: 'beforeExit', listener: () => void): unknown;
  exitCode?: number | string | undefined;
}

const hooks: ExitHooks | undefined = (() => {
  const candidate = (globalThis as { process?: ExitHooks }).process;
  return typeof candidate?.on === 'function' ? candidate : undefined;
})();

/** Whether this runtime can report: only then are rounds listed at all. */
export const canReport = hooks !== undefined;

// The rounds that had waiters, oldest first. A round is listed when its first waiter arrives and
// stays listed after its release, so that the wake path (wait, done, await, again) does no list
// work at all; the report looks only at rounds with waiters. Rounds without waiters are dropped
// when the list has doubled since the last compaction, which keeps it at most twice the rounds
// with waiters (plus 64) and the work O(1) per listing on average. A listed round keeps its group
// reachable until it is dropped: a group that waited stays alive a little longer, never without
// bound.
const listedRounds: Pending[] = [];
const COMPACT_AT_LEAST = 64;
let compactAt = COMPACT_AT_LEAST;
let installed = false;

/** Lists a round whose first waiter has arrived, unless it is listed already. */
export function list(round: Pending): void {
  if (round.listed) return;
  round.listed = true;
  if (listedRounds.push(round) >= compactAt) compact();
  if (!installed) {
    installed = true;
    hooks?.on?.('beforeExit', report);
  }
}

function compact(): void {
  let kept = 0;
  for (const round of listedRounds) {
    if (round.waiters !== 0) listedRounds[kept++] = round;
    else round.listed = false;
  }
  listedRounds.length = kept;
  compactAt = Math.max(COMPACT_AT_LEAST, 2 * kept);
}

const SHOWN = 10;

/** The report, or undefined if no in-thread wait() is pending. */
export function deadlockReport(): string | undefined {
  // Newest first, as the report lists the newest groups when there are many.
  const groups = listedRounds.filter((round) => round.waiters !== 0).map((round) => round.group).reverse();
  if (groups.length === 0) return undefined;
  const waits = groups.reduce((sum, group) => sum + group.waiters, 0);
  const lines = [
    'waitgroups: all goroutines are asleep - deadlock!',
    '',
    `The process is about to exit with nothing left to run, but ${waits} in-thread wait() ${waits === 1 ? 'is' : 'are'} still pending on ${groups.length} WaitGroup${groups.length === 1 ? '' : 's'}: no task is left to call done().`,
  ];
  const now = Date.now();
  for (const group of groups.slice(0, SHOWN).reverse()) {
    const tracker = trackers?.get(group);
    lines.push('', `WaitGroup with counter ${group.count} and ${group.waiters} pending wait()${tracker ? `, created at ${tracker.site}` : ''}`);
    if (tracker === undefined) {
      lines.push('  (run with WAITGROUPS_DEBUG=1, or new WaitGroup({ debug: true }), to list its outstanding tasks)');
    } else {
      const outstanding = tracker.outstanding();
      lines.push(outstanding.length === 0 ? '  no outstanding task recorded' : `  outstanding, oldest first:\n${formatOutstanding(outstanding, now, '    ')}`);
    }
  }
  if (groups.length > SHOWN) lines.push('', `... and ${groups.length - SHOWN} more WaitGroups`);
  return `${lines.join('\n')}\n`;
}

function report(): void {
  const text = deadlockReport();
  if (text === undefined || hooks === undefined) return;
  console.error(text);
  if (hooks.exitCode === undefined || hooks.exitCode === 0) hooks.exitCode = 1;
}
