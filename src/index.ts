export { WaitGroupError, type WaitGroupErrorCode } from './errors.js';
export { WaitGroup, type WaitGroupLike, type WaitOptions } from './wait-group.js';
export { Group, type GroupOptions } from './group.js';
