// The in-thread peers of WaitGroup on npm, behind one small interface so that every workload
// can run them all. Each adapter uses its library the idiomatic way; where a library cannot
// do something (a countdown event cannot be re-armed by add() once it reached zero), the
// adapter says so and uses the library's own way (reset) where there is one.
import { WaitGroup as JpWaitGroup } from '@jpwilliams/waitgroup';
import { AsyncCountdownEvent } from '@esfx/async-countdown';
import prex from 'prex';
import { WaitGroup } from 'waitgroups';
import { MinimalWaitGroup } from './minimal.ts';

export interface Counter {
  add(delta: number): void;
  done(): void;
  wait(): Promise<void>;
}

export interface Peer {
  name: string;
  /** A counter at zero that add() can raise again after it reached zero. */
  create(): Counter;
  /** Whether create() needed an adapter (a countdown re-armed with reset()). */
  adapted: boolean;
}

/** Wraps a countdown event (esfx, prex): add() at zero re-arms it with reset(). */
function countdown(event: {
  readonly remainingCount: number;
  add(count?: number): void;
  reset(count?: number): void;
  signal(count?: number): boolean;
  wait(): Promise<void>;
}): Counter {
  return {
    add: (delta) => (event.remainingCount === 0 ? event.reset(delta) : event.add(delta)),
    done: () => void event.signal(),
    wait: () => event.wait(),
  };
}

export const peers: Peer[] = [
  { name: 'waitgroups WaitGroup', create: () => new WaitGroup(), adapted: false },
  { name: 'minimal baseline', create: () => new MinimalWaitGroup(), adapted: false },
  { name: '@jpwilliams/waitgroup', create: () => new JpWaitGroup(), adapted: false },
  { name: '@esfx/async-countdown', create: () => countdown(new AsyncCountdownEvent(0)), adapted: true },
  { name: 'prex CountdownEvent', create: () => countdown(new prex.CountdownEvent(0)), adapted: true },
];

/** Idle instances, and instances with one pending waiter, as each library makes them. */
export const instances: { name: string; idle: () => unknown; waiting: () => unknown }[] = [
  { name: 'waitgroups WaitGroup', idle: () => new WaitGroup(), waiting: () => pending(new WaitGroup()) },
  { name: 'minimal baseline', idle: () => new MinimalWaitGroup(), waiting: () => pending(new MinimalWaitGroup()) },
  { name: '@jpwilliams/waitgroup', idle: () => new JpWaitGroup(), waiting: () => pending(new JpWaitGroup()) },
  {
    name: '@esfx/async-countdown',
    idle: () => new AsyncCountdownEvent(0),
    waiting: () => {
      const event = new AsyncCountdownEvent(1);
      void event.wait();
      return event;
    },
  },
  {
    name: 'prex CountdownEvent',
    idle: () => new prex.CountdownEvent(0),
    waiting: () => {
      const event = new prex.CountdownEvent(1);
      void event.wait();
      return event;
    },
  },
];

function pending<G extends { add(delta: number): void; wait(): Promise<void> }>(group: G): G {
  group.add(1);
  void group.wait();
  return group;
}
