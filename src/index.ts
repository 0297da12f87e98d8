export { WaitGroupError, type WaitGroupErrorCode } from './errors.js';
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
export { SharedWaitGroup } from './shared-wait-group.js';
