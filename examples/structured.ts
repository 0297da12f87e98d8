// Structured concurrency: `await using` (Go's `defer wg.Wait()`) and Group.scope (a nursery:
// the tasks of a block end with the block, and the block's failure cancels them).
import { Group, WaitGroup } from 'waitgroups';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function saveAll(files: string[]): Promise<void> {
  await using wg = new WaitGroup(); // Go's defer wg.Wait()
  for (const file of files) {
    void wg.go(async () => {
      await sleep(10);
      console.log(`saved ${file}`);
    });
  }
} // returns once every save is done
await saveAll(['a.txt', 'b.txt']);
console.log('saveAll returned');

// The scope resolves with the body's value once every task is done...
const sizes = await Group.scope(
  async (group) => {
    const found = new Map<string, number>();
    for (const name of ['x', 'yy', 'zzz']) {
      group.go(async () => {
        await sleep(5);
        found.set(name, name.length);
      });
    }
    return found;
  },
  { limit: 2 },
);
console.log(`sizes: ${[...sizes.values()].join(', ')}`);

// ...and if the body throws, the tasks' signal aborts, the scope waits for them, then rethrows.
try {
  await Group.scope(async (group) => {
    group.go(async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      console.log(`task stopped: ${(signal.reason as Error).message}`);
    });
    await sleep(10);
    throw new Error('body failed');
  });
} catch (error) {
  console.log(`scope rejected: ${(error as Error).message}`);
}
