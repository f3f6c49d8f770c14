import type { KernelConfig } from './config.js';
import type { NodeRouter } from './node-registry.js';
import type { CapacityResource, LlmBackend, Resource } from './resources.js';
import type { SnapshotStore } from './snapshots.js';
import type { SyscallType } from './types.js';

/** How a syscall's work ended: finished with a value, or paused to be resumed later. */
export type RunOutcome =
  | { kind: 'done'; value: unknown; tokensIn?: number; tokensOut?: number }
  | { kind: 'preempted'; partialTokens: number };

/** What an agent handle submits; the kernel adds identity, queueing, capacity, retries and accounting. */
export interface SyscallSpec {
  type: SyscallType;
  operation: string;
  agentId: string;
  priority: number;
  id?: string | undefined;
  resource: Resource;
  /** Estimated tokens (for TPM limits); 0 for non-model work. */
  cost: number;
  /** Whether retryable failures are retried (never for tools that are not idempotent). */
  retryable: boolean;
  target?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Does the work of one attempt; `syscallId` names the syscall (e.g. for its snapshot). */
  run(signal: AbortSignal, syscallId: string): Promise<RunOutcome>;
}

/** What an agent handle needs from the kernel (kept apart so the two modules do not import each other). */
export interface KernelPort {
  readonly config: KernelConfig;
  readonly backends: LlmBackend[];
  readonly snapshots: SnapshotStore;
  readonly router: NodeRouter | undefined;
  readonly pools: { memory: CapacityResource; storage: CapacityResource };
  readonly now: () => number;
  submit(spec: SyscallSpec): Promise<unknown>;
  resource(name: string, limit: number | 'unlimited'): CapacityResource;
  measure<T>(work: () => T): T;
  noteContextOverflow(): void;
}
