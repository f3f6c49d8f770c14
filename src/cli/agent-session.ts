import { runAgent, type AgentEvent, type AgentRunResult } from '../agents/index.js';
import type { ModelProvider } from '../models/index.js';
import type { FunctionTool } from '../tools/index.js';
import { printJson, progress } from './output.js';

export interface AgentSessionOptions {
  provider: ModelProvider;
  goal: string;
  instructions: string;
  tools: FunctionTool[];
  maxSteps: number;
  maxTokens?: number | undefined;
  json: boolean;
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
  try {
    const result = await runAgent({
      provider: options.provider,
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
    return result;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function abbreviate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max)}…`;
}
