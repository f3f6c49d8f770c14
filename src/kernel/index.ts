/**
 * The kernel: syscalls, schedulers, admission control, retries, preemption and placement.
 * Any export added here becomes public API.
 * @module
 */
export { Kernel, type KernelOptions } from './kernel.js';
export type { KernelPort, RunOutcome, SyscallSpec } from './kernel-port.js';
export {
  AgentHandle,
  type AcquireAgentOptions,
  type ContextCompactor,
  type LlmCallOptions,
  type SyscallOptions,
  type ToolCallOptions,
} from './agent-handle.js';
export { kernelConfigSchema, type KernelConfig, type KernelConfigInput } from './config.js';
export { admit, DEFAULT_ADMISSION, type AdmissionOptions, type AdmissionVerdict } from './admission.js';
export {
  createScheduler,
  FifoScheduler,
  LeastAttainedServiceScheduler,
  PriorityScheduler,
  RoundRobinScheduler,
  SCHEDULER_POLICIES,
  type QueuedItem,
  type Scheduler,
  type SchedulerOptions,
  type SchedulerPolicy,
} from './schedulers/index.js';
export {
  FileSnapshotStore,
  InMemorySnapshotStore,
  type GenerationSnapshot,
  type SnapshotStore,
} from './snapshots.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { RateLimiter, type RateLimits } from './rate-limiter.js';
export {
  InProcessNodeRegistry,
  NodeRouter,
  type NodeCapabilities,
  type NodeInfo,
  type NodeRegistry,
  type NodeRequirements,
} from './node-registry.js';
export type { LlmBackendOptions } from './resources.js';
export type { BackendStats, KernelStats, LatencySummary } from './stats.js';
export {
  SYSCALL_TYPES,
  type KernelEventMap,
  type KernelEventName,
  type SyscallInfo,
  type SyscallStatus,
  type SyscallType,
} from './types.js';
