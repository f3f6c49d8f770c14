/**
 * Task queues: delegate work to an agent or a capability, at least once, with visibility timeouts,
 * exponential backoff, dead letters, priorities and idempotency keys. In process (default) or on Redis.
 * See docs/coordination-bus-queue.md. Any export added here becomes public API.
 * @module
 */
export type {
  AckResult,
  BackoffOptions,
  ClaimedTask,
  ClaimOptions,
  EnqueueInput,
  Failure,
  FailResult,
  OnceResult,
  TaskClaim,
  TaskQueue,
  TaskQueueOptions,
  TaskRecord,
  TaskState,
  TaskTarget,
} from './types.js';
export { InProcessTaskQueue, type InProcessTaskQueueOptions } from './in-process.js';
export { RedisTaskQueue, type RedisTaskQueueOptions } from './redis.js';
