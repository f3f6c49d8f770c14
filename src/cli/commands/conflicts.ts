import type { Command } from 'commander';

import { openConfiguredStore } from '../../config/index.js';
import { SqlEscalationQueue, type Escalation } from '../../coordination/index.js';
import { UserError } from '../../errors/index.js';
import { loadCliConfig } from '../context.js';
import { printJson } from '../output.js';

function describe(escalation: Escalation): string {
  const { conflict, proposal } = escalation;
  const parties = conflict.parties.join(', ');
  return [
    `${escalation.id}  ${conflict.type} conflict between ${parties}  urgency ${escalation.urgency}  since ${escalation.createdAt.toISOString()}`,
    `  proposed: ${proposal.winner} first (${proposal.strategy}, confidence ${proposal.confidence.toFixed(2)})` +
      (proposal.queue.length > 0 ? `, then ${proposal.queue.join(', ')}` : '') +
      (proposal.value === undefined ? '' : `; value ${JSON.stringify(proposal.value)}`),
    `  scores:   ${JSON.stringify(proposal.scores)}`,
  ].join('\n');
}

/** `hydra conflicts`: the human escalation queue of conflict resolution (conflicts agents could not settle). */
export function registerConflictsCommand(program: Command): void {
  const conflicts = program
    .command('conflicts')
    .description(
      'Conflicts between agents that automatic resolution was not sure enough about, waiting for a person.',
    );

  conflicts
    .command('pending')
    .description('Escalated conflicts, most urgent first, with the proposed resolution and its confidence.')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { config } = await loadCliConfig(command);
      const store = await openConfiguredStore(config);
      try {
        const pending = await (await SqlEscalationQueue.open(store)).pending();
        if (flags.json) return printJson(pending);
        if (pending.length === 0) process.stderr.write('No conflicts waiting for a decision.\n');
        for (const escalation of pending) process.stdout.write(`${describe(escalation)}\n`);
      } finally {
        await store.close();
      }
    });

  conflicts
    .command('decide')
    .description(
      'Decide an escalated conflict: who gets the resource or goal first (the decision is recorded).',
    )
    .argument('<escalationId>')
    .option('--winner <agent>', 'the agent that wins (default: the proposal)')
    .option('--accept', 'accept the proposed resolution as it is')
    .option('--value <json>', 'for goal and information conflicts: the value that stands (JSON)')
    .option('--by <name>', 'who decides (default: $USER)')
    .option('--note <text>', 'why')
    .option('--json', 'print the decided escalation as JSON')
    .action(
      async (
        escalationId: string,
        flags: {
          winner?: string;
          accept?: boolean;
          value?: string;
          by?: string;
          note?: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        if (!flags.winner && !flags.accept)
          throw new UserError(
            'invalid_input',
            'Say who wins with --winner <agent>, or --accept the proposal.',
            {
              data: { field: 'winner' },
            },
          );
        let value: unknown;
        if (flags.value !== undefined) {
          try {
            value = JSON.parse(flags.value);
          } catch {
            throw new UserError('invalid_input', `--value must be JSON, e.g. '"on"' or '{"state":"on"}'.`, {
              data: { field: 'value' },
            });
          }
        }
        const { config } = await loadCliConfig(command);
        const store = await openConfiguredStore(config);
        try {
          const queue = await SqlEscalationQueue.open(store);
          const escalation = await queue.get(escalationId);
          const decided = await queue.decide(escalationId, {
            winner: flags.winner ?? escalation.proposal.winner,
            decidedBy: flags.by ?? process.env['USER'] ?? 'operator',
            ...(value === undefined ? {} : { value }),
            ...(flags.note === undefined ? {} : { note: flags.note }),
          });
          if (flags.json) return printJson(decided);
          process.stdout.write(
            `${decided.id}: ${decided.decision?.winner} wins (decided by ${decided.decision?.decidedBy}).\n`,
          );
        } finally {
          await store.close();
        }
      },
    );
}
