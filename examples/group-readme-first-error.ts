import { Group } from 'waitgroups';

const group = new Group();
for (const id of [1, 2, 3]) {
  group.go(async () => {
    await new Promise((resolve) => setTimeout(resolve, id * 10));
    if (id === 2) throw new Error(`task ${id} failed`);
    console.log(`task ${id} done`);
  });
}
try {
  await group.wait(); // waits for all three tasks, then rejects with the first error
} catch (error) {
  console.log(`wait() rejected: ${(error as Error).message}`);
}
