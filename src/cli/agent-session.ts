import { runAgent, type AgentEvent, type AgentRunResult } from '../agents/index.js';
import type { Kernel } from '../kernel/index.js';
import type { ModelProvider } from '../models/index.js';
import type { FunctionTool } from '../tools/index.js';
import { printJson, progress } from './output.js';

export interface AgentSessionOptions {
  /** Every model and tool call of the run is a syscall of this kernel. */
  kernel: Kernel;
  provider: ModelProvider;
  goal: string;
  instructions: string;
  tools: FunctionTool[];
  maxSteps: number;
  maxTokens?: number | undefined;
  json: boolean;
  /** Print the kernel's counters to stderr at the end. */
  showStats?: boolean | undefined;
}

/**
 * Runs one agent for the CLI: the answer streams to stdout as it is generated, tool activity goes to
 * stderr, and `--json` replaces both with one result object. Ctrl-C aborts the generation cleanly.
 */
export async function runAgentSession(options: AgentSessionOptions): Promise<AgentRunResult> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  let midLine = false;
  const onEvent = (event: AgentEvent): void => {
    if (options.json) return;
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
  const agent = await options.kernel.acquireAgent('cli-agent');
  try {
    const result = await runAgent({
      provider: agent.asProvider(options.provider.id),
      runTool: (tool, args, signal) => agent.callTool(tool, args, signal ? { signal } : {}),
      goal: options.goal,
      instructions: options.instructions,
      tools: options.tools,
      maxSteps: options.maxSteps,
      maxTokens: options.maxTokens,
      signal: controller.signal,
      onEvent,
    });
    if (options.json) {
      printJson({
        ok: true,
        model: options.provider.id,
        answer: result.answer,
        stopReason: result.stopReason,
        steps: result.steps,
        usage: result.usage,
      });
    } else {
      if (midLine) process.stdout.write('\n');
      const note =
        result.stopReason === 'max-steps' ? ` — stopped at the step limit (${options.maxSteps})` : '';
      progress(
        `[${result.steps} step(s), ${result.usage.promptTokens} prompt + ${result.usage.completionTokens} completion tokens${note}]`,
      );
    }
    if (options.showStats) printKernelStats(options.kernel);
    return result;
  } finally {
    agent.release();
    process.off('SIGINT', onSigint);
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
