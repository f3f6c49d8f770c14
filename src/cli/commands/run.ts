import type { Command } from 'commander';

import { createConfiguredKernel, createConfiguredProvider } from '../../config/index.js';
import { defaultTools } from '../../tools/index.js';
import { runAgentSession } from '../agent-session.js';
import { loadCliConfig } from '../context.js';
import { progress } from '../output.js';
import { parsePositiveInt } from '../parse.js';

interface RunFlags {
  model?: string;
  maxSteps?: number;
  maxTokens?: number;
  json?: boolean;
  stats?: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run one agent on the configured model with its tools and print the answer as it streams.')
    .argument('<goal>', 'what the agent should do')
    .option(
      '-m, --model <id>',
      'model id, e.g. openai:gpt-4o-mini or ollama:llama3.1 (default: HYDRA_MODEL or config)',
    )
    .option('--max-steps <n>', 'stop after this many model calls', parsePositiveInt)
    .option('--max-tokens <n>', 'cap on tokens generated per model call', parsePositiveInt)
    .option('--json', 'print one JSON result object instead of streaming text')
    .option('--stats', "print the kernel's counters (syscalls, retries, waits, CPU) at the end")
    .addHelpText('after', '\nExample:\n  HYDRA_MODEL=ollama:llama3.1 hydra run "What time is it in Tokyo?"')
    .action(async (goal: string, flags: RunFlags, command: Command) => {
      const { config } = await loadCliConfig(command, { model: flags.model });
      const provider = await createConfiguredProvider(config);
      if (!flags.json) progress(`hydra: running on ${provider.id}`);
      const kernel = createConfiguredKernel(config, [provider]);
      await runAgentSession({
        kernel,
        provider,
        goal,
        instructions: config.agent.instructions,
        tools: defaultTools(process.cwd()),
        maxSteps: flags.maxSteps ?? config.agent.maxSteps,
        maxTokens: flags.maxTokens ?? config.agent.maxTokens,
        json: flags.json ?? false,
        showStats: flags.stats,
      }).finally(() => kernel.close());
    });
}
