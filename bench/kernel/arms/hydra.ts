/**
 * Hydra's kernel: programs call `agent.chat`, an `llm` syscall the kernel schedules onto the endpoint's
 * slots with the chosen policy, checks against the context window before sending, and retries itself.
 * On ContextOverflowError (nothing was sent) the program truncates exactly as the baselines do and calls
 * again.
 *
 * The provider handed to the kernel is wrapped in a transparent proxy that only observes failures, so the
 * wasted prompt tokens and the error kinds are counted the same way as in the baselines.
 */
import { HydraError } from '../../../src/errors/index.js';
import { Kernel, type SchedulerPolicy } from '../../../src/kernel/index.js';
import {
  createModelProvider,
  type CallOptions,
  type ChatRequest,
  type ModelProvider,
  type StreamEvent,
} from '../../../src/models/index.js';
import type { AgentSession, Arm, PromptMeter, RunCounters } from '../workload.js';

export const HYDRA_POLICIES: readonly SchedulerPolicy[] = ['fifo', 'round-robin', 'priority', 'las'];

export interface HydraSettings {
  policy: SchedulerPolicy;
  slots: number;
  contextWindow: number;
  timeSliceMs?: number | undefined;
  agingMs?: number | undefined;
}

function recordFailure(
  error: unknown,
  request: ChatRequest,
  counters: RunCounters,
  meter: PromptMeter,
): void {
  const code = HydraError.isInstance(error) ? error.code : 'unknown';
  counters.wastedPromptTokens += meter.prompt(request.messages);
  if (code === 'provider_rate_limited') counters.rateLimited += 1;
  else if (code === 'context_length_exceeded') counters.contextErrors += 1;
  else if (code === 'aborted') counters.aborted += 1;
  else counters.otherErrors += 1;
}

/** CPU the kernel spends counting prompt tokens (inside its kernelCpuMs), to split that figure. */
interface CountTiming {
  ms: number;
  calls: number;
}

/**
 * The provider as the kernel sees it, with every request and failure counted on the side, and the time
 * spent in `countTokens` (admission control's token counting) measured.
 */
function metered(
  provider: ModelProvider,
  counters: RunCounters,
  meter: PromptMeter,
  timing: CountTiming,
): ModelProvider {
  const countTokens: ModelProvider['countTokens'] = (request) => {
    const started = performance.now();
    try {
      return provider.countTokens(request);
    } finally {
      timing.ms += performance.now() - started;
      timing.calls += 1;
    }
  };
  const chat = async (
    request: ChatRequest,
    options?: CallOptions,
  ): Promise<Awaited<ReturnType<ModelProvider['chat']>>> => {
    counters.requests += 1;
    try {
      return await provider.chat(request, options);
    } catch (error) {
      recordFailure(error, request, counters, meter);
      throw error;
    }
  };
  async function* stream(request: ChatRequest, options?: CallOptions): AsyncGenerator<StreamEvent> {
    counters.requests += 1;
    try {
      yield* provider.stream(request, options);
    } catch (error) {
      recordFailure(error, request, counters, meter);
      throw error;
    }
  }
  return new Proxy(provider, {
    get(target, property) {
      if (property === 'chat') return chat;
      if (property === 'stream') return stream;
      if (property === 'countTokens') return countTokens;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function hydraArm(
  url: string,
  counters: RunCounters,
  meter: PromptMeter,
  settings: HydraSettings,
): Promise<Arm> {
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries: 0 },
    contextWindow: settings.contextWindow,
  });
  const timing: CountTiming = { ms: 0, calls: 0 };
  const kernel = new Kernel({
    scheduler: {
      policy: settings.policy,
      ...(settings.timeSliceMs !== undefined ? { timeSliceMs: settings.timeSliceMs } : {}),
      ...(settings.agingMs !== undefined ? { agingMs: settings.agingMs } : {}),
    },
    backends: [{ provider: metered(provider, counters, meter, timing), slots: settings.slots }],
    maxConcurrentAgents: 1000,
  });
  return {
    name: `hydra-${settings.policy}`,
    open: async (agent) => {
      const handle = await kernel.acquireAgent(agent.id, { priority: agent.priority });
      const session: AgentSession = {
        step: async (transcript, maxTokens) => {
          for (;;) {
            try {
              const response = await handle.chat({ messages: [...transcript.messages], maxTokens });
              counters.keptCompletionTokens += response.usage.completionTokens;
              return response.message.content;
            } catch (error) {
              if (!HydraError.isInstance(error) || error.code !== 'context_overflow') throw error;
              if (!transcript.dropOldestTurn()) throw error;
              counters.truncations += 1;
            }
          }
        },
        release: () => handle.release(),
      };
      return session;
    },
    finish: async () => {
      const stats = kernel.stats();
      await kernel.close();
      const syscalls = stats.syscalls.done + stats.syscalls.failed;
      return {
        kernelCpuMs: stats.kernelCpuMs,
        syscalls,
        kernelCpuMsPerSyscall: syscalls === 0 ? 0 : stats.kernelCpuMs / syscalls,
        // Of which: counting prompt tokens for admission (the rest is queueing, scheduling, bookkeeping).
        countTokensMsPerSyscall: syscalls === 0 ? 0 : timing.ms / syscalls,
        preemptions: stats.syscalls.preemptions,
        retries: stats.syscalls.retries,
        escalations: stats.syscalls.escalations,
        contextOverflows: stats.syscalls.contextOverflows,
        llmWaitP99Ms: stats.waiting.llm.p99Ms,
        kernelBusySlotMs: stats.backends[0]?.busySlotMs ?? 0,
      };
    },
  };
}
