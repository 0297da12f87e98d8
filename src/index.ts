export { WaitGroupError, type ArgumentErrorCode, type WaitGroupErrorCode } from './errors.js';
export type { OutstandingTask } from './internal/debug.js';
export { TaskHandle } from './task.js';
export {
  WaitGroup,
  type WaitGroupInspection,
  type WaitGroupLike,
  type WaitGroupOptions,
  type WaitOptions,
} from './wait-group.js';
export { Group, type GroupOptions } from './group.js';
export { SharedWaitGroup, type SharedWaitGroupMemory, type WaitSyncOptions, type WatchOptions } from './shared-wait-group.js';
export type { NodeWorkerLike, WatchableWorker, WebWorkerLike } from './internal/worker-watch.js';
