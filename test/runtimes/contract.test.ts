// The in-thread WaitGroup's contract, for Deno and Bun: the same suite source as
// test/wait-group.test.ts runs on Node (test/suites/wait-group-contract.ts). The SharedWaitGroup
// contract and its cross-thread tests come from test/shared-wait-group*.test.ts themselves.
import { WaitGroup } from 'waitgroups';
import { waitGroupContract } from '../suites/wait-group-contract.ts';

waitGroupContract('WaitGroup', () => new WaitGroup());
waitGroupContract('WaitGroup in debug mode', () => new WaitGroup({ debug: true }));
