// Dynamic fan-out: walk a tree whose shape is discovered as we go. Every node found starts a
// new task with go(); one wait() covers them all. Promise.all cannot be used up front here,
// because the promises do not exist yet when we would have to call it.
import { WaitGroup } from 'waitgroups';

interface Node {
  name: string;
  size: number;
}

// A generated "file system": children are only known after an (async) listing.
async function list(path: string): Promise<Node[]> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  const depth = path.split('/').length - 1;
  if (depth >= 4) return [];
  return Array.from({ length: 3 }, (_, i) => ({ name: `${path}/${i}`, size: (depth + 1) * 10 + i }));
}

const wg = new WaitGroup();
let nodes = 0;
let bytes = 0;
let maxInFlight = 0;

function walk(path: string): void {
  void wg.go(async () => {
    maxInFlight = Math.max(maxInFlight, wg.count);
    for (const child of await list(path)) {
      nodes++;
      bytes += child.size;
      walk(child.name); // a task that spawns more tasks: the group now counts them too
    }
  });
}

walk('');
await wg.wait();
console.log(`walked ${nodes} nodes, ${bytes} bytes in all, up to ${maxInFlight} listings in flight`);
