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
import { parseTeam, runTeamSession, TEAM_HELP } from '../team-session.js';
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
  team?: string;
  tree?: string;
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
    .option('--team <team>', `run a team instead of one agent: ${TEAM_HELP}`)
    .option('--tree <treeId>', 'with --team recursive: continue this task tree (resumes an interrupted one)')
    .addHelpText(
      'after',
      '\nExamples:\n  HYDRA_MODEL=ollama:llama3.1 hydra run "What time is it in Tokyo?"\n  hydra run --resume run-1234…\n  hydra run --team recursive "Write a market report on e-bikes"\n  hydra run --team crew:research "What do our notes say about caching?"',
    )
    .action(async (goal: string | undefined, flags: RunFlags, command: Command) => {
      if (!goal && !flags.resume && !flags.tree)
        throw new UserError(
          'invalid_input',
          'Say what the agent should do: hydra run "<goal>" (or --resume <runId>).',
        );
      if (flags.team) parseTeam(flags.team); // a typo fails before anything is opened
      if (flags.team && !goal && !flags.tree)
        throw new UserError(
          'invalid_input',
          `Say what the team should do: hydra run --team ${flags.team} "<goal>".`,
        );
      if (flags.tree && flags.team !== 'recursive')
        throw new UserError(
          'invalid_input',
          '--tree continues a recursive team: use it with --team recursive.',
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
        if (flags.team) {
          await runTeamSession({
            team: flags.team,
            goal: goal ?? '',
            kernel,
            store,
            tools,
            pricing: configuredPricing(config),
            json: flags.json ?? false,
            ...(flags.tree ? { treeId: flags.tree } : {}),
          });
          return;
        }
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
