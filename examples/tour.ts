// `npm start`: a tour of waitgroups, one section per example in this folder.
const sections: [title: string, file: string][] = [
  ["Go's classic example: three tasks, one wait", './classic.ts'],
  ['Dynamic fan-out with go()', './fan-out.ts'],
  ['Misuse is loud: an extra done()', './misuse.ts'],
  ['Group (errgroup): a limit of 3, one failure cancels the rest', './group.ts'],
  ['Threads: one SharedWaitGroup across worker threads', './parallel.ts'],
  ['Structured concurrency: await using and Group.scope', './structured.ts'],
  ['A dead worker is reported, not a hang', './dead-worker.ts'],
  ['Across machines: one RedisWaitGroup, a worker killed on purpose', './redis/demo.ts'],
];

const started = performance.now();
for (const [title, file] of sections) {
  console.log(`\n== ${title} (examples/${file.slice(2)}) ==`);
  await import(file);
}
console.log(`\nTour finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
