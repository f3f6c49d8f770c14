import { z } from 'zod';

import { SCHEDULER_POLICIES } from './schedulers/index.js';

/** Kernel settings, as they appear under `kernel` in hydra.config.* (all optional, with defaults). */
export const kernelConfigSchema = z
  .object({
    scheduler: z
      .object({
        policy: z.enum(SCHEDULER_POLICIES).default('las'),
        /** Preempt a streaming generation after this long when others wait (needs a prefill-capable model). */
        timeSliceMs: z.number().int().positive().optional(),
        /** How long a preempted generation's slot stays reserved while the server notices the cut. */
        preemptionGraceMs: z.number().int().nonnegative().default(25),
        /** Priority policy: one priority level gained per this many ms of waiting. */
        agingMs: z.number().positive().default(1_000),
        /** LAS policy: a syscall waiting this long runs next regardless of attained service. */
        starvationMs: z.number().positive().default(30_000),
      })
      .strict()
      .prefault({}),
    maxConcurrentAgents: z.number().int().positive().default(250),
    /** Syscalls that may wait in queues before submitters are held back (or refused). */
    maxQueuedSyscalls: z.number().int().positive().default(10_000),
    backpressure: z.enum(['wait', 'reject']).default('wait'),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(20).default(3),
        baseDelayMs: z.number().nonnegative().default(250),
        maxDelayMs: z.number().positive().default(20_000),
      })
      .strict()
      .prefault({}),
    /** Per model id: concurrent generations and rate limits of that endpoint. */
    backends: z
      .record(
        z.string(),
        z
          .object({
            slots: z.number().int().positive().default(4),
            rpm: z.number().positive().optional(),
            tpm: z.number().positive().optional(),
          })
          .strict(),
      )
      .default({}),
    /** Concurrent memory and storage syscalls. */
    memoryConcurrency: z.number().int().positive().default(16),
    storageConcurrency: z.number().int().positive().default(16),
    /** Tool calls at once when a tool declares no limit of its own. */
    toolConcurrency: z.union([z.number().int().positive(), z.literal('unlimited')]).default('unlimited'),
  })
  .strict();

export type KernelConfig = z.output<typeof kernelConfigSchema>;
export type KernelConfigInput = z.input<typeof kernelConfigSchema>;
