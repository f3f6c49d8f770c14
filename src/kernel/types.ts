import type { HydraError } from '../errors/index.js';

/** Every effect an agent has is one of these. */
export const SYSCALL_TYPES = ['llm', 'memory', 'storage', 'tool'] as const;
export type SyscallType = (typeof SYSCALL_TYPES)[number];

export type SyscallStatus = 'queued' | 'running' | 'preempted' | 'retrying' | 'done' | 'failed';

/** The public record of one syscall; events carry a copy. Times are epoch milliseconds (fractional). */
export interface SyscallInfo {
  id: string;
  type: SyscallType;
  /** What was asked: `chat`, `stream`, `embed`, a tool name, or a memory/storage operation. */
  operation: string;
  agentId: string;
  priority: number;
  status: SyscallStatus;
  createdAt: number;
  /** First dispatch. */
  startedAt?: number;
  finishedAt?: number;
  attempts: number;
  preemptions: number;
  /** The backend (model id) or node that served it. */
  target?: string;
  error?: HydraError;
}

export type KernelEventMap = {
  'syscall-queued': { syscall: SyscallInfo };
  'syscall-started': { syscall: SyscallInfo };
  'syscall-preempted': { syscall: SyscallInfo; partialTokens: number };
  'syscall-retry': { syscall: SyscallInfo; error: HydraError; delayMs: number };
  'syscall-finished': { syscall: SyscallInfo };
  /** A syscall exhausted its retries; the agent or a supervisor decides what happens next. */
  escalation: { syscall: SyscallInfo; error: HydraError };
};
export type KernelEventName = keyof KernelEventMap;
