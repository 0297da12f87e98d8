// The worker of examples/dead-worker.ts: attaches to the group it was given and calls done(),
// unless its job is to crash first.
import { workerData } from 'node:worker_threads';
import { SharedWaitGroup } from 'waitgroups';

const { group, job } = workerData;
const wg = new SharedWaitGroup(group.buffer, group.byteOffset);
if (job === 'crash') throw new Error('out of memory (simulated)');
wg.done();
