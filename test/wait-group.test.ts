import { WaitGroup } from 'waitgroups';
import { waitGroupContract } from './suites/wait-group-contract.ts';

waitGroupContract('WaitGroup', () => new WaitGroup());
