import type { Command } from 'commander';

import { UserError } from '../../errors/index.js';
import type { WorkflowEvent, WorkflowResult } from '../../workflows/index.js';
import { loadCliConfig } from '../context.js';
import { printJson, progress } from '../output.js';
import { openWorkflowEngine } from '../workflows.js';

export function parseJsonObject(text: string | undefined, what: string): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new UserError('invalid_input', `${what} must be a JSON object, e.g. '{"count": 1}'.`);
}

/** Prints a run's progress as it goes (stderr), for people. */
export function describeEvent(event: WorkflowEvent): string | undefined {
  switch (event.type) {
    case 'step-started':
      return `  step ${event.step}: ${event.tasks.map((task) => task.node).join(', ')}`;
    case 'interrupt':
      return `  paused for approval ${event.approvalId}: ${event.action} ${JSON.stringify(event.payload)}`;
    case 'run-error':
      return `  error: ${String(event.error['message'])}`;
    default:
      return undefined;
  }
}

/** The end of a run, for people and scripts; exit code 1 when it failed. */
export async function reportResult(
  result: WorkflowResult,
  json: boolean,
  approvals: () => Promise<Array<{ id: string; action: string; hash: string }>>,
): Promise<void> {
  if (json) printJson(result);
  else {
    progress(`hydra: run ${result.runId} ${result.status}`);
    if (result.status === 'waiting') {
      for (const approval of await approvals()) {
        progress(`  approve with: hydra approvals approve ${approval.id} --hash ${approval.hash}`);
        progress(`  or reject:    hydra approvals reject ${approval.id} --hash ${approval.hash}`);
      }
    }
    if (result.error) progress(`  ${result.error.message}`);
    process.stdout.write(`${JSON.stringify(result.state, null, 2)}\n`);
  }
  if (result.status === 'failed') process.exitCode = 1;
}

export function registerWorkflowCommand(program: Command): void {
  const workflow = program
    .command('workflow')
    .description('Durable workflows: TypeScript modules exporting a compiled graph.');

  workflow
    .command('run')
    .description('Start a run of a workflow module and follow it to the end (or to an approval).')
    .argument('<file>', 'a .ts/.js module exporting a compiled graph')
    .option('--input <json>', 'the initial state, a JSON object')
    .option('--graph <name>', 'which graph, when the module exports several')
    .option('--json', 'print the result as JSON')
    .action(
      async (file: string, flags: { input?: string; graph?: string; json?: boolean }, command: Command) => {
        const input = parseJsonObject(flags.input, '--input');
        const { config } = await loadCliConfig(command);
        const context = await openWorkflowEngine(config, [file]);
        try {
          const recovered = await context.engine.recover();
          if (recovered.length > 0 && !flags.json)
            progress(`hydra: resumed ${recovered.length} interrupted run(s) first`);
          const { loadWorkflowModule } = await import('../workflows.js');
          const graphs = await loadWorkflowModule(file);
          const graph = flags.graph ? graphs.find((candidate) => candidate.name === flags.graph) : graphs[0];
          if (!graph)
            throw new UserError(
              'invalid_input',
              `${file} has no graph named "${flags.graph}"; it exports: ${graphs.map((g) => g.name).join(', ')}.`,
            );
          const off = flags.json
            ? () => undefined
            : context.engine.on((event) => {
                const line = describeEvent(event);
                if (line) progress(line);
              });
          const runId = await context.engine.create(graph.name, input);
          if (!flags.json) progress(`hydra: run ${runId} of ${graph.name}`);
          const result = await context.engine.resume(runId);
          off();
          await reportResult(result, flags.json ?? false, () => context.engine.pendingApprovals(runId));
        } finally {
          await context.close();
        }
      },
    );

  workflow
    .command('recover')
    .description('Resume every run a dead process left running (runs of the configured workflows).')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { config } = await loadCliConfig(command);
      const context = await openWorkflowEngine(config);
      try {
        const results = await context.engine.recover();
        if (flags.json) printJson(results);
        else for (const result of results) progress(`hydra: ${result.runId} ${result.status}`);
      } finally {
        await context.close();
      }
    });
}
