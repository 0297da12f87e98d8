import { Group } from 'waitgroups';

const group = new Group({ limit: 2 }); // errgroup's SetLimit(2): the others queue, in order
let running = 0;
for (const id of [1, 2, 3, 4, 5]) {
  group.go(async () => {
    running++;
    console.log(`task ${id} started, ${running} running`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    running--;
  });
}
console.log(`tryGo at the limit: ${group.tryGo(() => {})}`); // false: nothing is queued
await group.wait();
console.log('all done');
