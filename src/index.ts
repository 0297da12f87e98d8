export { WaitGroupError, type WaitGroupErrorCode } from './errors.js';
export { WaitGroup, type WaitGroupLike, type WaitOptions } from './wait-group.js';
