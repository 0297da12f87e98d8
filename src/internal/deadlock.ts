// The deadlock report: Go's "all goroutines are asleep - deadlock!" for in-thread groups.
// Rounds with pending waiters are kept in a list; when the process is about to exit because
// nothing is left to run (Node's, Bun's and Deno's `beforeExit`) and the list is not empty,
// no task can ever call done() again: print one report and make the exit code non-zero.
// The hook is reached by feature detection, installed on first use, and keeps nothing alive.
import { formatOutstanding, trackers } from './debug.js';

/** What the report needs of a group. */
export interface ReportedGroup {
  readonly count: number;
  readonly waiters: number;
}

/** A member of the list: a round with pending waiters. */
export interface Pending {
  readonly group: ReportedGroup;
  prev: Pending | null;
  next: Pending | null;
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

let head: Pending | null = null;
let installed = false;

/** Adds a round that now has pending waiters. */
export function link(round: Pending): void {
  round.prev = null;
  round.next = head;
  if (head !== null) head.prev = round;
  head = round;
  if (!installed) {
    installed = true;
    hooks?.on?.('beforeExit', report);
  }
}

/** Removes a round that has no pending waiters any more. */
export function unlink(round: Pending): void {
  if (round.prev !== null) round.prev.next = round.next;
  else if (head === round) head = round.next;
  else return; // not in the list
  if (round.next !== null) round.next.prev = round.prev;
  round.prev = round.next = null;
}

const SHOWN = 10;

/** The report, or undefined if no in-thread wait() is pending. */
export function deadlockReport(): string | undefined {
  if (head === null) return undefined;
  const groups: ReportedGroup[] = [];
  for (let round: Pending | null = head; round !== null; round = round.next) groups.push(round.group);
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
