export { WaitGroupError, type LostTaskInfo, type WaitGroupErrorCode } from '../errors.js';
export { RedisTask } from './redis-task.js';
export {
  RedisWaitGroup,
  type RedisTaskInfo,
  type RedisTaskOptions,
  type RedisWaitGroupInspection,
  type RedisWaitGroupOptions,
  type RedisWaitOptions,
} from './redis-wait-group.js';
