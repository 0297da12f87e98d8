// Group (errgroup) against p-limit and p-map with a concurrency limit, and against
// Promise.all without one: 10,000 tasks that each `await null`, one wait for all.
import pLimit from 'p-limit';
import pMap from 'p-map';
import { Group } from 'waitgroups';
import { fresh, target, workload } from './lib.ts';

const N = 10_000;
const LIMIT = 8;

// Factories without free variables, so that fresh() gives each candidate call sites of its own.
const task = () => async (): Promise<void> => {
  await null;
};

const withPLimit = (limiter: typeof pLimit, task: () => Promise<void>, n: number, limit: number) => async () => {
  const run = limiter(limit);
  const tasks = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) tasks[i] = run(task);
  await Promise.all(tasks);
};

const withPMap = (mapper: typeof pMap, task: () => Promise<void>, n: number, limit: number) => {
  const items = Array.from({ length: n }, (_, i) => i);
  return async () => {
    await mapper(items, task, { concurrency: limit });
  };
};

const withGroup = (G: typeof Group, task: () => Promise<void>, n: number, limit: number) => async () => {
  const group = new G({ limit });
  for (let i = 0; i < n; i++) group.go(task);
  await group.wait();
};

const withPromiseAll = (task: () => Promise<void>, n: number) => async () => {
  const tasks = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) tasks[i] = task();
  await Promise.all(tasks);
};

const limited = await workload(`${N.toLocaleString('en')} tasks (await null), limit ${LIMIT}`, [
  { name: 'p-limit', fn: fresh(withPLimit)(pLimit, fresh(task)(), N, LIMIT) },
  { name: 'p-map', fn: fresh(withPMap)(pMap, fresh(task)(), N, LIMIT) },
  { name: 'waitgroups Group', fn: fresh(withGroup)(Group, fresh(task)(), N, LIMIT) },
]);
target(`limit ${LIMIT}: Group ≤ 1.0× p-limit`, limited[2]!.ratio, 1);

const unlimited = await workload(`${N.toLocaleString('en')} tasks (await null), no limit`, [
  { name: 'Promise.all', fn: fresh(withPromiseAll)(fresh(task)(), N) },
  { name: 'waitgroups Group', fn: fresh(withGroup)(Group, fresh(task)(), N, -1) },
]);
target('no limit: Group ≤ 1.2× Promise.all', unlimited[1]!.ratio, 1.2);
