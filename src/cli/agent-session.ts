import { runAgent, type AgentEvent, type AgentRunResult } from '../agents/index.js';
import type { Kernel } from '../kernel/index.js';
import type { ModelProvider } from '../models/index.js';
import type { FunctionTool } from '../tools/index.js';
import { printJson, progress } from './output.js';

export interface SessionOutput {
  json: boolean;
  /** Kernel whose counters are printed at the end when `showStats` is set. */
  kernel: Kernel;
  showStats?: boolean | undefined;
  maxSteps: number;
  /** Extra fields for the JSON result (model id, run id). */
  describe: (result: AgentRunResult & { runId?: string }) => Record<string, unknown>;
}

/**
 * Runs an agent for the CLI: the answer streams to stdout as it is generated, tool activity goes to
 * stderr, and `--json` replaces both with one result object. Ctrl-C aborts the run cleanly (a durable run
 * stays resumable).
 */
export async function withStreamingOutput<Result extends AgentRunResult & { runId?: string }>(
  output: SessionOutput,
  execute: (onEvent: (event: AgentEvent) => void, signal: AbortSignal) => Promise<Result>,
): Promise<Result> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  let midLine = false;
  const onEvent = (event: AgentEvent): void => {
    if (output.json) return;
    switch (event.type) {
      case 'text-delta':
        process.stdout.write(event.text);
        midLine = !event.text.endsWith('\n');
        break;
      case 'tool-call':
        if (midLine) process.stdout.write('\n');
        midLine = false;
        progress(`  → ${event.toolCall.name} ${JSON.stringify(event.toolCall.arguments)}`);
        break;
      case 'tool-result':
        progress(`  ${event.ok ? '←' : '✗'} ${event.toolCall.name}: ${abbreviate(event.content, 160)}`);
        break;
      default:
        break;
    }
  };
  try {
    const result = await execute(onEvent, controller.signal);
    if (output.json) {
      printJson({
        ok: true,
        ...output.describe(result),
        answer: result.answer,
        stopReason: result.stopReason,
        steps: result.steps,
        usage: result.usage,
        costUsd: result.costUsd,
      });
    } else {
      if (midLine) process.stdout.write('\n');
      const notes: Record<string, string> = {
        'max-steps': ` — stopped at the step limit (${output.maxSteps})`,
        budget: ' — stopped: the budget is spent',
      };
      const cost = result.costUsd > 0 ? `, $${result.costUsd.toFixed(4)}` : '';
      const run = result.runId ? `, run ${result.runId}` : '';
      progress(
        `[${result.steps} step(s), ${result.usage.promptTokens} prompt + ${result.usage.completionTokens} completion tokens${cost}${run}${notes[result.stopReason] ?? ''}]`,
      );
    }
    if (output.showStats) printKernelStats(output.kernel);
    return result;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export interface AgentSessionOptions {
  kernel: Kernel;
  provider: ModelProvider;
  goal: string;
  instructions: string;
  tools: FunctionTool[];
  maxSteps: number;
  maxTokens?: number | undefined;
  json: boolean;
  showStats?: boolean | undefined;
}

/** A one-off, in-memory agent run through the kernel (the demo). */
export async function runAgentSession(options: AgentSessionOptions): Promise<AgentRunResult> {
  const agent = await options.kernel.acquireAgent('cli-agent');
  try {
    return await withStreamingOutput(
      {
        json: options.json,
        kernel: options.kernel,
        showStats: options.showStats,
        maxSteps: options.maxSteps,
        describe: () => ({ model: options.provider.id }),
      },
      (onEvent, signal) =>
        runAgent({
          provider: agent.asProvider(options.provider.id),
          runTool: (tool, args, toolSignal) =>
            agent.callTool(tool, args, toolSignal ? { signal: toolSignal } : {}),
          goal: options.goal,
          instructions: options.instructions,
          tools: options.tools,
          maxSteps: options.maxSteps,
          maxTokens: options.maxTokens,
          signal,
          onEvent,
        }),
    );
  } finally {
    agent.release();
  }
}

function abbreviate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max)}…`;
}

function printKernelStats(kernel: Kernel): void {
  const stats = kernel.stats();
  const { syscalls } = stats;
  progress(
    `kernel: ${syscalls.done} syscalls done, ${syscalls.failed} failed, ${syscalls.retries} retries, ${syscalls.preemptions} preemptions, ` +
      `${syscalls.contextOverflows} refused as too long; llm wait p50 ${stats.waiting.llm.p50Ms.toFixed(1)} ms, ` +
      `turnaround p50 ${stats.turnaround.llm.p50Ms.toFixed(1)} ms; kernel CPU ${stats.kernelCpuMsPerSyscall.toFixed(3)} ms/syscall`,
  );
}
