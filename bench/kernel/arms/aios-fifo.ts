/**
 * An AIOS-faithful FIFO scheduler, re-implemented in TypeScript after AIOS HEAD (`FIFOScheduler`,
 * batch_interval=1.0; reference: /work/shared/reference/aios.md section 1.2):
 *
 *   loop: sleep 1.0 s; drain the whole LLM queue into a batch; run every member of the batch in parallel
 *   (a thread pool as large as the batch: no concurrency cap); return only when the whole batch is done
 *   (a barrier), then sleep again.
 *
 * The kernel calls the model through one OpenAI SDK client. A member that gets 429/5xx retries inside the
 * batch with the same naive policy as the direct arm, and a context error truncates and retries the same
 * way, so the only differences from `direct` are the ones AIOS's scheduler makes: the 1 s admission tick
 * and the batch barrier. No priorities (AIOS's `Syscall.priority` has no call sites).
 *
 * It re-implements AIOS's semantics, not its Python overhead: no threads, no HTTP hop to a kernel process.
 */
import OpenAI from 'openai';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  seededRandom,
  type AgentSession,
  type Arm,
  type PromptMeter,
  type RunCounters,
  type Transcript,
} from '../workload.js';
import { naiveChat, type NaiveContext } from './direct.js';

export const BATCH_INTERVAL_MS = 1000;

interface Syscall {
  transcript: Transcript;
  maxTokens: number;
  context: NaiveContext;
  resolve: (content: string) => void;
  reject: (error: unknown) => void;
}

export function aiosFifoArm(url: string, counters: RunCounters, meter: PromptMeter, seed: number): Arm {
  const client = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 });
  const queue: Syscall[] = [];
  let running = true;
  let batches = 0;
  let largestBatch = 0;
  let batchMsTotal = 0;

  const execute = async (syscall: Syscall): Promise<void> => {
    try {
      syscall.resolve(await naiveChat(syscall.context, syscall.transcript, syscall.maxTokens));
    } catch (error) {
      syscall.reject(error);
    }
  };

  const dispatcher = (async (): Promise<void> => {
    while (running) {
      await sleep(BATCH_INTERVAL_MS);
      const batch = queue.splice(0, queue.length);
      if (batch.length === 0) continue;
      batches += 1;
      largestBatch = Math.max(largestBatch, batch.length);
      const started = performance.now();
      await Promise.all(batch.map(execute));
      batchMsTotal += performance.now() - started;
    }
  })();

  return {
    name: 'aios-fifo',
    open: (agent) => {
      const context: NaiveContext = {
        client,
        counters,
        meter,
        random: seededRandom('jitter', seed, agent.id),
      };
      const session: AgentSession = {
        step: (transcript, maxTokens) =>
          new Promise<string>((resolve, reject) => {
            queue.push({ transcript, maxTokens, context, resolve, reject });
          }),
        release: () => undefined,
      };
      return Promise.resolve(session);
    },
    finish: async () => {
      running = false;
      await dispatcher;
      return { batches, largestBatch, meanBatchMs: batches === 0 ? 0 : batchMsTotal / batches };
    },
  };
}
