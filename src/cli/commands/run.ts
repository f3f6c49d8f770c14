import type { Command } from 'commander';

import { AgentRuntime, RunStore } from '../../agents/index.js';
import {
  configuredPricing,
  createConfiguredKernel,
  createConfiguredProvider,
  openConfiguredStore,
} from '../../config/index.js';
import { HydraError, UserError } from '../../errors/index.js';
import { withStreamingOutput } from '../agent-session.js';
import { loadCliConfig } from '../context.js';
import { openToolbox, type Toolbox } from '../toolbox.js';
import { progress } from '../output.js';
import { parsePositiveInt } from '../parse.js';

interface RunFlags {
  model?: string;
  maxSteps?: number;
  maxTokens?: number;
  resume?: string;
  json?: boolean;
  stats?: boolean;
}

export const CLI_AGENT = 'assistant';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'Run an agent on the configured model with its tools and print the answer as it streams. Runs are durable: an interrupted run resumes with --resume.',
    )
    .argument('[goal]', 'what the agent should do')
    .option(
      '-m, --model <id>',
      'model id, e.g. openai:gpt-4o-mini or ollama:llama3.1 (default: HYDRA_MODEL or config)',
    )
    .option('--max-steps <n>', 'stop after this many model calls', parsePositiveInt)
    .option('--max-tokens <n>', 'cap on tokens generated per model call', parsePositiveInt)
    .option('--resume <runId>', 'continue an interrupted run from its last stored step')
    .option('--json', 'print one JSON result object instead of streaming text')
    .option('--stats', "print the kernel's counters (syscalls, retries, waits, CPU) at the end")
    .addHelpText(
      'after',
      '\nExamples:\n  HYDRA_MODEL=ollama:llama3.1 hydra run "What time is it in Tokyo?"\n  hydra run --resume run-1234…',
    )
    .action(async (goal: string | undefined, flags: RunFlags, command: Command) => {
      if (!goal && !flags.resume)
        throw new UserError(
          'invalid_input',
          'Say what the agent should do: hydra run "<goal>" (or --resume <runId>).',
        );
      const { config } = await loadCliConfig(command, { model: flags.model });
      const provider = await createConfiguredProvider(config);
      if (!flags.json) progress(`hydra: running on ${provider.id}`);
      const kernel = createConfiguredKernel(config, [provider]);
      const store = await openConfiguredStore(config);
      let toolbox: Toolbox | undefined;
      try {
        toolbox = await openToolbox(config, store, flags.json);
        const tools = toolbox.tools;
        const runtime = new AgentRuntime({
          kernel,
          runs: await RunStore.open(store),
          tools,
          pricing: configuredPricing(config),
        });
        const maxSteps = flags.maxSteps ?? config.agent.maxSteps;
        runtime.define({
          name: CLI_AGENT,
          instructions: config.agent.instructions,
          tools: tools.map((tool) => tool.name),
          limits: {
            maxSteps,
            maxTokensPerCall: flags.maxTokens ?? config.agent.maxTokens,
            maxTotalTokens: config.agent.maxTotalTokens,
            maxCostUsd: config.agent.maxCostUsd,
          },
        });
        let runId = flags.resume;
        await withStreamingOutput(
          {
            json: flags.json ?? false,
            kernel,
            showStats: flags.stats,
            maxSteps,
            describe: (result) => ({ model: provider.id, runId: result.runId }),
          },
          (onEvent, signal) => {
            const options = {
              signal,
              onEvent: (event: Parameters<typeof onEvent>[0] & { runId: string }) => (
                (runId = event.runId),
                onEvent(event)
              ),
            };
            return flags.resume
              ? runtime.resume(flags.resume, options)
              : runtime.run(CLI_AGENT, goal ?? '', options);
          },
        ).catch((error: unknown) => {
          if (HydraError.isInstance(error) && error.code === 'aborted' && runId)
            progress(`\nhydra: run ${runId} interrupted; continue it with: hydra run --resume ${runId}`);
          throw error;
        });
      } finally {
        await toolbox?.close();
        await kernel.close();
        await store.close();
      }
    });
}
