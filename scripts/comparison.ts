// `npm run bench:comparison`: probes how each WaitGroup on npm behaves, by running it, and
// writes docs/comparison.md. test/comparison.test.ts fails when the page is stale.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { WaitGroup as JpWaitGroup } from '@jpwilliams/waitgroup';
import { AsyncCountdownEvent } from '@esfx/async-countdown';
import prex from 'prex';
import { SharedWaitGroup, WaitGroup } from 'waitgroups';

/** The operations probed, in each library's own words. */
interface Subject {
  name: string;
  /** A new instance with a counter of zero, or with `initial` participants. */
  make(initial: number): object;
  add(group: object, delta: number): void;
  done(group: object): void;
  wait(group: object, signal?: AbortSignal): Promise<void>;
}

type Any = Record<string, (...args: unknown[]) => unknown>;
const call = (group: object, method: string, ...args: unknown[]) => (group as Any)[method]!(...args);

const subjects: Subject[] = [
  ...[
    ['waitgroups WaitGroup', () => new WaitGroup()],
    ['waitgroups SharedWaitGroup', () => new SharedWaitGroup()],
    ['@jpwilliams/waitgroup', () => new JpWaitGroup()],
  ].map(([name, create]) => ({
    name: name as string,
    make: (initial: number) => {
      const group = (create as () => object)();
      if (initial > 0) call(group, 'add', initial);
      return group;
    },
    add: (group: object, delta: number) => void call(group, 'add', delta),
    done: (group: object) => void call(group, 'done'),
    wait: (group: object, signal?: AbortSignal) => call(group, 'wait', ...(signal ? [{ signal }] : [])) as Promise<void>,
  })),
  ...[
    ['@esfx/async-countdown AsyncCountdownEvent', (n: number) => new AsyncCountdownEvent(n)],
    ['prex CountdownEvent', (n: number) => new prex.CountdownEvent(n)],
  ].map(([name, create]) => ({
    name: name as string,
    make: create as (initial: number) => object,
    add: (group: object, delta: number) => void call(group, 'add', delta),
    done: (group: object) => void call(group, 'signal'),
    // Both take their library's cancellation token; an AbortSignal is what is probed.
    wait: (group: object, signal?: AbortSignal) => call(group, 'wait', ...(signal ? [signal] : [])) as Promise<void>,
  })),
];

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function state(promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  let result: 'resolved' | 'rejected' | 'pending' = 'pending';
  promise.then(
    () => (result = 'resolved'),
    () => (result = 'rejected'),
  );
  await flush();
  return result;
}

function attempt(fn: () => void): string {
  try {
    fn();
    return 'no error';
  } catch (error) {
    const { name, message } = error as Error;
    return `throws ${name}: \`${message.split('\n')[0]}\``;
  }
}

function counter(group: object): string {
  for (const key of ['count', 'remainingCount', 'current']) {
    const value = (group as Record<string, unknown>)[key];
    if (typeof value === 'number') return `${key} = ${value}`;
  }
  return 'not exposed';
}

async function probe(subject: Subject): Promise<string[]> {
  const cells: string[] = [];
  // wait() at zero.
  cells.push(await state(subject.wait(subject.make(0))));
  // An extra done().
  {
    const group = subject.make(1);
    subject.done(group);
    const error = attempt(() => subject.done(group));
    cells.push(`${error}; then ${counter(group)}`);
  }
  // add() from zero after a round, then a second round.
  {
    const group = subject.make(1);
    subject.done(group);
    await subject.wait(group);
    const error = attempt(() => subject.add(group, 1));
    let reuse = error;
    if (error === 'no error') {
      const waiting = subject.wait(group);
      const before = await state(waiting);
      subject.done(group);
      reuse = before === 'pending' && (await state(waiting)) === 'resolved' ? 'works' : `wait() ${before} before done()`;
    }
    cells.push(reuse);
  }
  // add(NaN) and add(1.5).
  for (const bad of [Number.NaN, 1.5]) {
    const group = subject.make(1);
    const error = attempt(() => subject.add(group, bad));
    cells.push(`${error}; then ${counter(group)}`);
  }
  // Cancellation with an AbortSignal.
  {
    const group = subject.make(1);
    const controller = new AbortController();
    let cell: string;
    try {
      const waiting = subject.wait(group, controller.signal);
      const before = await state(waiting);
      controller.abort();
      const after = await state(waiting);
      cell =
        before === 'rejected'
          ? `rejects at once: \`${await waiting.catch((error: Error) => error.message)}\``
          : after === 'rejected'
            ? 'rejects on abort'
            : `abort ignored (wait ${after})`;
    } catch (error) {
      cell = `throws ${(error as Error).name}`;
    }
    cells.push(cell);
  }
  // Counter exposed.
  cells.push(counter(subject.make(2)));
  // Shared across a structured clone (postMessage to a worker is a structured clone).
  {
    const group = subject.make(1);
    let cell: string;
    try {
      const copy = structuredClone(group);
      if (subject.name.includes('Shared')) {
        const { buffer, byteOffset } = copy as SharedWaitGroup;
        subject.done(new SharedWaitGroup(buffer, byteOffset));
        cell = (await state(subject.wait(group))) === 'resolved' ? 'yes: a done() on the copy releases the original' : 'no';
      } else {
        cell = typeof (copy as Any)['done'] === 'function' || typeof (copy as Any)['signal'] === 'function'
          ? 'no: the copy is independent'
          : 'no: the copy is a detached plain object';
      }
    } catch (error) {
      cell = `no: structuredClone throws ${(error as Error).name}`;
    }
    cells.push(cell);
  }
  // go().
  cells.push(typeof (subject.make(0) as Any)['go'] === 'function' ? 'yes' : 'no');
  return cells;
}

const header = [
  'library',
  'wait() at zero',
  'extra done()',
  'add() from zero after a round',
  'add(NaN)',
  'add(1.5)',
  'wait() with an AbortSignal',
  'counter exposed (after add(2))',
  'shared across threads (structured clone)',
  'go()',
];

export async function comparison(): Promise<string> {
  const rows: string[] = [];
  for (const subject of subjects) rows.push(`| ${[subject.name, ...(await probe(subject))].join(' | ')} |`);
  return [
    '# How the WaitGroups on npm behave',
    '',
    'Generated by `npm run bench:comparison` (scripts/comparison.ts), which runs every probe',
    'below against each library; `npm test` fails if this page differs from a fresh run.',
    'The countdown events (`@esfx/async-countdown`, `prex`) are driven with their own',
    'names: `add`, `signal` for done, `wait`; `new X(n)` for a group of `n`.',
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(new URL('../docs/comparison.md', import.meta.url), await comparison());
  console.log('docs/comparison.md written');
}
