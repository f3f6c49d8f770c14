import type { Command } from 'commander';

import { RunStore } from '../../agents/index.js';
import { openConfiguredStore } from '../../config/index.js';
import { UserError } from '../../errors/index.js';
import { SqlWorkflowStore } from '../../workflows/index.js';
import { loadCliConfig } from '../context.js';
import { printJson } from '../output.js';
import { parsePositiveInt } from '../parse.js';
import { openWorkflowEngine } from '../workflows.js';
import { parseJsonObject, reportResult } from './workflow.js';

const isWorkflowRun = (id: string): boolean => id.startsWith('wf-');

async function withStore<T>(
  command: Command,
  work: (runs: RunStore, workflows: SqlWorkflowStore) => Promise<T>,
): Promise<T> {
  const { config } = await loadCliConfig(command);
  const store = await openConfiguredStore(config);
  try {
    return await work(await RunStore.open(store), await SqlWorkflowStore.open(store));
  } finally {
    await store.close();
  }
}

function requireWorkflowRun(runId: string): void {
  if (!isWorkflowRun(runId))
    throw new UserError(
      'invalid_input',
      `${runId} is not a workflow run (wf-…); agent runs resume with: hydra run --resume ${runId}`,
    );
}

export function registerRunsCommand(program: Command): void {
  const runs = program
    .command('runs')
    .description(
      'Durable runs — workflow runs (wf-…) and agent runs (run-…): list, show, history, resume, fork, rollback, cancel.',
    );

  runs
    .command('list')
    .description('Recent runs, newest first.')
    .option('--status <status>', 'only runs with this status (running = in progress or interrupted)')
    .option('--limit <n>', 'how many of each kind', parsePositiveInt, 20)
    .option('--json', 'print JSON')
    .action(async (flags: { status?: string; limit: number; json?: boolean }, command: Command) => {
      await withStore(command, async (agentRuns, workflowRuns) => {
        const status = flags.status as never;
        const agents = await agentRuns.list({ ...(flags.status ? { status } : {}), limit: flags.limit });
        const workflows = await workflowRuns.listRuns({
          ...(flags.status ? { status } : {}),
          limit: flags.limit,
        });
        if (flags.json)
          return printJson([
            ...workflows.map((run) => ({ kind: 'workflow', ...run })),
            ...agents.map((run) => ({ kind: 'agent', ...run })),
          ]);
        for (const run of workflows)
          process.stdout.write(
            `${run.id}  ${run.status.padEnd(9)} workflow ${run.graph}  step ${run.head}\n`,
          );
        for (const run of agents) {
          process.stdout.write(
            `${run.id}  ${run.status.padEnd(9)} agent ${run.agent}  ${run.steps} steps  ${run.usage.totalTokens} tokens  $${run.costUsd.toFixed(4)}  ${JSON.stringify(run.goal.slice(0, 60))}\n`,
          );
        }
      });
    });

  runs
    .command('show')
    .description('One run: a workflow run with its state, or an agent run with its messages.')
    .argument('<runId>')
    .option('--json', 'print JSON')
    .action(async (runId: string, flags: { json?: boolean }, command: Command) => {
      if (isWorkflowRun(runId)) {
        const { config } = await loadCliConfig(command);
        const context = await openWorkflowEngine(config);
        try {
          const run = await context.engine.getRun(runId);
          const state = await context.engine.stateAt(runId).catch(() => null);
          if (flags.json) return printJson({ ...run, state });
          process.stdout.write(
            `${run.id}  ${run.status}  workflow ${run.graph}  step ${run.head}\n${JSON.stringify(state, null, 2)}\n`,
          );
        } finally {
          await context.close();
        }
        return;
      }
      await withStore(command, async (store) => {
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

  runs
    .command('history')
    .description("A workflow run's committed steps: which nodes ran and what comes next.")
    .argument('<runId>')
    .option('--state <step>', 'print the state after this step', parsePositiveIntOrZero)
    .option('--json', 'print JSON')
    .action(async (runId: string, flags: { state?: number; json?: boolean }, command: Command) => {
      requireWorkflowRun(runId);
      const { config } = await loadCliConfig(command);
      const context = await openWorkflowEngine(config);
      try {
        if (flags.state !== undefined) return printJson(await context.engine.stateAt(runId, flags.state));
        const history = await context.engine.history(runId);
        if (flags.json) return printJson(history);
        for (const entry of history) {
          process.stdout.write(
            `step ${entry.step}  ${entry.committedAt.toISOString()}  ran [${entry.nodes.join(', ')}]  next [${entry.next.join(', ')}]\n`,
          );
        }
      } finally {
        await context.close();
      }
    });

  const workflowAction = (
    name: string,
    description: string,
    configure: (cmd: Command) => Command,
    act: (
      engine: Awaited<ReturnType<typeof openWorkflowEngine>>['engine'],
      runId: string,
      flags: Record<string, unknown>,
    ) => Promise<void>,
  ): void => {
    configure(runs.command(name).description(description).argument('<runId>')).action(
      async (runId: string, flags: Record<string, unknown>, command: Command) => {
        requireWorkflowRun(runId);
        const { config } = await loadCliConfig(command);
        const context = await openWorkflowEngine(config);
        try {
          await act(context.engine, runId, flags);
        } finally {
          await context.close();
        }
      },
    );
  };

  workflowAction(
    'resume',
    'Continue a workflow run from its last committed step.',
    (cmd) => cmd.option('--json', 'print JSON'),
    async (engine, runId, flags) =>
      reportResult(await engine.resume(runId), flags['json'] === true, () => engine.pendingApprovals(runId)),
  );
  workflowAction(
    'fork',
    'Start a new run from a step of this one, optionally editing the state.',
    (cmd) =>
      cmd
        .requiredOption('--step <n>', 'the step to fork from', parsePositiveIntOrZero)
        .option('--edit <json>', 'state keys to change'),
    async (engine, runId, flags) => {
      const forkId = await engine.fork(
        runId,
        flags['step'] as number,
        parseJsonObject(flags['edit'] as string | undefined, '--edit'),
      );
      process.stdout.write(`${forkId}\n`);
    },
  );
  workflowAction(
    'rollback',
    'Discard the steps after --step; resume continues from there.',
    (cmd) => cmd.requiredOption('--step <n>', 'the step to go back to', parsePositiveIntOrZero),
    async (engine, runId, flags) => {
      await engine.rollback(runId, flags['step'] as number);
      process.stderr.write(
        `hydra: ${runId} is back at step ${String(flags['step'])}; continue with: hydra runs resume ${runId}\n`,
      );
    },
  );
  workflowAction(
    'cancel',
    'Cancel a workflow run.',
    (cmd) => cmd,
    async (engine, runId) => {
      await engine.cancel(runId);
      process.stderr.write(`hydra: ${runId} cancelled\n`);
    },
  );
}

function parsePositiveIntOrZero(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new UserError('invalid_input', `"${value}" is not a step number.`);
  return parsed;
}
