import type { Command } from 'commander';

import { loadCliConfig } from '../context.js';
import { printJson } from '../output.js';
import { openWorkflowEngine } from '../workflows.js';
import { reportResult } from './workflow.js';

export function registerApprovalsCommand(program: Command): void {
  const approvals = program
    .command('approvals')
    .description('Human approval gates of workflow runs: list, approve, reject.');

  approvals
    .command('list')
    .description('Pending approvals with exactly the action each would allow.')
    .option('--run <runId>', 'only this run')
    .option('--json', 'print JSON')
    .action(async (flags: { run?: string; json?: boolean }, command: Command) => {
      const { config } = await loadCliConfig(command);
      const context = await openWorkflowEngine(config);
      try {
        const pending = await context.engine.pendingApprovals(flags.run);
        if (flags.json) return printJson(pending);
        if (pending.length === 0) process.stderr.write('No pending approvals.\n');
        for (const approval of pending) {
          process.stdout.write(
            `${approval.id}  run ${approval.runId}  since ${approval.createdAt.toISOString()}\n  action:  ${approval.action}\n  payload: ${JSON.stringify(approval.payload)}\n  hash:    ${approval.hash}\n`,
          );
        }
      } finally {
        await context.close();
      }
    });

  for (const verb of ['approve', 'reject'] as const) {
    approvals
      .command(verb)
      .description(
        `${verb === 'approve' ? 'Approve' : 'Reject'} an action and resume its run. --hash must be the one the request shows: it binds the decision to that exact action.`,
      )
      .argument('<approvalId>')
      .requiredOption('--hash <hash>', 'the hash shown by `hydra approvals list`')
      .option('--by <name>', 'who decides (default: $USER)')
      .option('--note <text>', 'a note the node receives')
      .option('--json', 'print the run result as JSON')
      .action(
        async (
          approvalId: string,
          flags: { hash: string; by?: string; note?: string; json?: boolean },
          command: Command,
        ) => {
          const { config } = await loadCliConfig(command);
          const context = await openWorkflowEngine(config);
          try {
            const result = await context.engine.decide(approvalId, {
              approve: verb === 'approve',
              hash: flags.hash,
              by: flags.by ?? process.env['USER'] ?? 'operator',
              ...(flags.note !== undefined ? { note: flags.note } : {}),
            });
            await reportResult(result, flags.json ?? false, () =>
              context.engine.pendingApprovals(result.runId),
            );
          } finally {
            await context.close();
          }
        },
      );
  }
}
