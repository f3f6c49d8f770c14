import type { Command } from 'commander';

import { RunStore } from '../../agents/index.js';
import { openConfiguredStore } from '../../config/index.js';
import { loadCliConfig } from '../context.js';
import { printJson } from '../output.js';
import { parsePositiveInt } from '../parse.js';

async function withRuns<T>(command: Command, work: (runs: RunStore) => Promise<T>): Promise<T> {
  const { config } = await loadCliConfig(command);
  const store = await openConfiguredStore(config);
  try {
    return await work(await RunStore.open(store));
  } finally {
    await store.close();
  }
}

export function registerRunsCommand(program: Command): void {
  const runs = program
    .command('runs')
    .description('Durable agent runs: list them, show one (messages, usage, cost).');

  runs
    .command('list')
    .description('Recent runs, newest first.')
    .option('--status <status>', 'only runs with this status (running = interrupted or in progress)')
    .option('--limit <n>', 'how many', parsePositiveInt, 20)
    .option('--json', 'print JSON')
    .action(async (flags: { status?: string; limit: number; json?: boolean }, command: Command) => {
      await withRuns(command, async (store) => {
        const list = await store.list({
          ...(flags.status ? { status: flags.status as never } : {}),
          limit: flags.limit,
        });
        if (flags.json) return printJson(list);
        for (const run of list) {
          process.stdout.write(
            `${run.id}  ${run.status.padEnd(9)} ${run.agent}  ${run.steps} steps  ${run.usage.totalTokens} tokens  $${run.costUsd.toFixed(4)}  ${JSON.stringify(run.goal.slice(0, 60))}\n`,
          );
        }
      });
    });

  runs
    .command('show')
    .description('One run with its messages.')
    .argument('<runId>')
    .option('--json', 'print JSON')
    .action(async (runId: string, flags: { json?: boolean }, command: Command) => {
      await withRuns(command, async (store) => {
        const run = await store.get(runId);
        const messages = await store.messages(runId);
        if (flags.json) return printJson({ ...run, messages });
        process.stdout.write(
          `${run.id}  ${run.status}  agent ${run.agent}  ${run.steps} steps  ${run.usage.totalTokens} tokens  $${run.costUsd.toFixed(4)}\n`,
        );
        for (const message of messages) {
          const calls =
            message.role === 'assistant' && message.toolCalls?.length
              ? ` → ${message.toolCalls.map((call) => call.name).join(', ')}`
              : '';
          process.stdout.write(
            `  ${message.role}: ${message.content.replace(/\s+/g, ' ').slice(0, 200)}${calls}\n`,
          );
        }
      });
    });
}
