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
export { SharedWaitGroup, type SharedWaitGroupMemory, type WaitSyncOptions } from './shared-wait-group.js';
