// Go's classic WaitGroup example: three tasks that take 500, 1000 and 1500 ms; main waits for all.
import { WaitGroup } from 'waitgroups';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const wg = new WaitGroup();
const taskCount = 3;
wg.add(taskCount); // the counter is now 3

for (let id = 1; id <= taskCount; id++) {
  void (async () => {
    try {
      await sleep(id * 500); // simulate work
      console.log(`task ${id} done`);
    } finally {
      wg.done(); // Go's `defer wg.Done()`
    }
  })();
}

await wg.wait(); // resolves when the counter reaches zero
console.log('all tasks done');
