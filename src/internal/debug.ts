// Debug mode: what a WaitGroup records about its outstanding units when debugging is on
// (`new WaitGroup({ debug: true })` or WAITGROUPS_DEBUG=1). Nothing here runs when it is off:
// the groups check one module variable, `trackers`, which stays null until the first
// debug group exists.

/** OutstandingTask is one unit, or one `add(n)` of units, that has not been marked done. */
export interface OutstandingTask {
  /** How it was counted: `go()`, `task()`, or a plain `add(n)`. */
  readonly kind: 'go' | 'task' | 'add';
  /** The task's label (`task(label)`), or a description such as `add(3)`. */
  readonly label: string;
  /** Units of the counter still held: 1 for a task, up to `n` for `add(n)`. */
  readonly units: number;
  /** When it was counted, in milliseconds since the epoch (`Date.now()`). */
  readonly startedAt: number;
  /** Where it was counted: the first frames of the caller's stack, outside this library. */
  readonly site: string;
}

interface Entry {
  kind: 'go' | 'task' | 'add';
  label: string;
  units: number;
  startedAt: number;
  /** Captured where the unit was counted; its stack is formatted only when a site is shown. */
  trace: Error;
}

/** Tracker is the record of one debug group. */
export class Tracker {
  readonly #trace: Error;
  /** Outstanding entries, oldest first (a Set keeps insertion order). */
  readonly #entries = new Set<Entry>();
  /** The last entry whose units were all done: the likely owner of a stray `done()`. */
  #lastSpent: Entry | null = null;

  constructor(trace: Error) {
    this.#trace = trace;
  }

  /** Where the group was created. */
  get site(): string {
    return siteOf(this.#trace);
  }

  /** Records `add(delta)` for delta > 0, from the caller's site. */
  added(delta: number): void {
    this.#entries.add({ kind: 'add', label: `add(${delta})`, units: delta, startedAt: Date.now(), trace: new Error() });
  }

  /**
   * Consumes `units` done by `done()` or a negative `add`, which do not say which unit they end:
   * from plain adds, oldest first, as in a queue of work; then, for a `done()` that no plain add
   * accounts for (a stray one), from tasks, oldest first, whose own end later finds the counter
   * at zero. So the outstanding units always add up to the counter.
   */
  spent(units: number): void {
    units = this.#consume(units, true);
    if (units !== 0) this.#consume(units, false);
  }

  #consume(units: number, plain: boolean): number {
    for (const entry of this.#entries) {
      if (units === 0) break;
      if ((entry.kind === 'add') !== plain) continue;
      const taken = Math.min(units, entry.units);
      entry.units -= taken;
      units -= taken;
      if (entry.units === 0) {
        this.#entries.delete(entry);
        this.#lastSpent = entry;
      }
    }
    return units;
  }

  /** Records a task (`go()` or `task()`); returns the token that ends it. */
  started(kind: 'go' | 'task', label: string): object {
    const entry: Entry = { kind, label, units: 1, startedAt: Date.now(), trace: new Error() };
    this.#entries.add(entry);
    return entry;
  }

  /**
   * Ends a task recorded by {@link Tracker.started}. If a stray `done()` already consumed its
   * entry, the unit its end takes from the counter is somebody else's: consume that one.
   */
  ended(token: object): void {
    if (!this.#entries.delete(token as Entry)) this.spent(1);
  }

  /** The outstanding units, oldest first. */
  outstanding(): OutstandingTask[] {
    return [...this.#entries].map(({ kind, label, units, startedAt, trace }) => ({ kind, label, units, startedAt, site: siteOf(trace) }));
  }

  /** Where the last units done came from, if known. */
  lastSpentSite(): string | undefined {
    const entry = this.#lastSpent;
    return entry === null ? undefined : `${entry.kind === 'add' ? entry.label : `${entry.kind}(${JSON.stringify(entry.label)})`} at ${siteOf(entry.trace)}`;
  }
}

/** The trackers of debug groups; null while there is none, which is all the fast path checks. */
export let trackers: WeakMap<object, Tracker> | null = null;

/** Starts tracking `group`, created at the caller's site. */
export function track(group: object): Tracker {
  const tracker = new Tracker(new Error());
  (trackers ??= new WeakMap()).set(group, tracker);
  return tracker;
}

/**
 * Whether `WAITGROUPS_DEBUG` asks for debug mode everywhere: read once, at load, from the
 * environment of Node, Bun or Deno, reached by feature detection (no `node:` import). Deno
 * without `--allow-env` cannot read it, which means off.
 */
export const debugByDefault: boolean = (() => {
  const value = readEnv('WAITGROUPS_DEBUG');
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
})();

function readEnv(name: string): string | undefined {
  const global = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { get(name: string): string | undefined } };
  };
  try {
    return global.Deno?.env?.get(name) ?? global.process?.env?.[name];
  } catch {
    return undefined;
  }
}

// Frames of this library (anything under the folder that holds this build of it) and of the
// runtime itself (Node's `node:`, Deno's `ext:`, Bun's `native`) are dropped from sites:
// they say nothing about the user's code.
// With source maps on, frames of the build show as its sources, in the package's src/.
const ownRoots = [new URL('..', import.meta.url), new URL('../../src/', import.meta.url)];
// Stacks show file URLs (Node, Deno) or plain paths (Bun).
const ownPrefixes = ownRoots.flatMap((root) =>
  root.protocol === 'file:' ? [root.href, decodeURIComponent(root.pathname)] : [root.href],
);
const runtimeFrame = /(?:^|\()(?:node:|ext:|native)/;

/**
 * The first frames of `trace`'s stack outside this library, joined by ' <- '. V8 formats a
 * stack only when it is read, so capturing an Error per unit is cheap; reading it is not.
 */
function siteOf(trace: Error, frames = 3): string {
  const stack = trace.stack ?? '';
  const lines = stack
    .split('\n')
    .slice(1)
    .map((line) => line.trim().replace(/^at /, ''))
    .filter((line) => line !== '' && !ownPrefixes.some((prefix) => line.includes(prefix)) && !runtimeFrame.test(line));
  return lines.slice(0, frames).join(' <- ') || '<unknown site>';
}

/** Formats outstanding units for an error message or a report, one per line. */
export function formatOutstanding(tasks: readonly OutstandingTask[], now = Date.now(), indent = '  '): string {
  return tasks
    .map((task) => {
      const what = task.kind === 'add' ? `${task.label}, ${task.units} not done` : `${task.kind}(${task.label === '' ? '' : JSON.stringify(task.label)})`;
      return `${indent}${what}, ${now - task.startedAt} ms ago, at ${task.site}`;
    })
    .join('\n');
}

/** The outstanding list of `group` for a message, if it is a debug group with any. */
export function outstandingOf(group: object): string | undefined {
  const outstanding = trackers?.get(group)?.outstanding();
  return outstanding === undefined || outstanding.length === 0 ? undefined : formatOutstanding(outstanding);
}
