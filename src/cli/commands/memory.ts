import type { Command } from 'commander';

import { UserError } from '../../errors/index.js';
import { withMemory } from '../memory-context.js';
import { printJson } from '../output.js';
import { parsePositiveInt } from '../parse.js';

export function registerMemoryCommand(program: Command): void {
  const memoryCommand = program
    .command('memory')
    .description("Inspect and edit an agent's memory: show, edit, search, history, undo.");

  memoryCommand
    .command('show')
    .description("Print the agent's compiled memory: system prompt with core blocks, and its summary.")
    .argument('<agent>', 'id or unique name')
    .option('--json', 'print blocks and summary as JSON')
    .action(async (idOrName: string, flags: { json?: boolean }, command: Command) => {
      await withMemory(command, async (memory) => {
        const agent = await memory.getAgent(idOrName);
        if (flags.json) {
          return printJson({
            blocks: await memory.blocks(agent.id),
            summary: agent.summary,
            messages: await memory.recallCount(agent.id),
          });
        }
        process.stdout.write(`${await memory.systemPrompt(agent)}\n`);
        if (agent.summary) process.stdout.write(`\n<summary>\n${agent.summary}\n</summary>\n`);
      });
    });

  memoryCommand
    .command('edit')
    .description(
      'Set or append to a core memory block (as the operator; the write is versioned and undoable).',
    )
    .argument('<agent>', 'id or unique name')
    .argument('<label>', 'block label, e.g. human')
    .option('--value <text>', 'replace the whole block')
    .option('--append <text>', 'append a line')
    .action(
      async (
        idOrName: string,
        label: string,
        flags: { value?: string; append?: string },
        command: Command,
      ) => {
        if ((flags.value === undefined) === (flags.append === undefined))
          throw new UserError('invalid_input', 'Give exactly one of --value or --append.');
        await withMemory(command, async (memory) => {
          const agent = await memory.getAgent(idOrName);
          const block = (await memory.blocks(agent.id)).find((candidate) => candidate.label === label);
          if (!block) throw new UserError('invalid_input', `Agent ${agent.name} has no "${label}" block.`);
          const value =
            flags.value ?? (block.value ? `${block.value}\n${flags.append}` : (flags.append ?? ''));
          const written = await memory.writeBlock({
            blockId: block.id,
            value,
            expectedVersion: block.version,
            agentId: null,
          });
          process.stdout.write(
            `${label}: ${written.value.length}/${written.limit} characters, version ${written.version}\n`,
          );
        });
      },
    );

  memoryCommand
    .command('search')
    .description("Search the agent's recall memory (messages) or archival memory (passages).")
    .argument('<agent>', 'id or unique name')
    .argument('<query>')
    .option('--archival', 'search archival memory instead of the conversation')
    .option('--limit <n>', 'results', parsePositiveInt, 10)
    .option('--json', 'print JSON')
    .action(
      async (
        idOrName: string,
        query: string,
        flags: { archival?: boolean; limit: number; json?: boolean },
        command: Command,
      ) => {
        await withMemory(command, async (memory) => {
          const agent = await memory.getAgent(idOrName);
          const rows = flags.archival
            ? (
                await memory.searchArchival(agent.id, { query, tagMatch: 'any', topK: flags.limit, page: 0 })
              ).results.map((passage) => ({
                at: passage.createdAt.toISOString(),
                text: passage.text,
                tags: passage.tags,
              }))
            : (await memory.searchRecall(agent.id, { query, limit: flags.limit, page: 0 })).results.map(
                (message) => ({
                  at: message.createdAt.toISOString(),
                  role: message.role,
                  text: message.content,
                }),
              );
          if (flags.json) return printJson(rows);
          for (const row of rows)
            process.stdout.write(`${row.at}  ${'role' in row ? `${row.role}: ` : ''}${row.text}\n`);
        });
      },
    );

  memoryCommand
    .command('history')
    .description('Every edit of a block: version, who, when, and the new value.')
    .argument('<agent>', 'id or unique name')
    .argument('<label>')
    .option('--json', 'print JSON')
    .action(async (idOrName: string, label: string, flags: { json?: boolean }, command: Command) => {
      await withMemory(command, async (memory) => {
        const agent = await memory.getAgent(idOrName);
        const block = (await memory.blocks(agent.id)).find((candidate) => candidate.label === label);
        if (!block) throw new UserError('invalid_input', `Agent ${agent.name} has no "${label}" block.`);
        const history = await memory.blockHistory(block.id);
        if (flags.json) return printJson(history);
        for (const edit of history)
          process.stdout.write(
            `v${edit.version}  ${edit.at.toISOString()}  ${edit.agentId ?? 'operator'}: ${JSON.stringify(edit.newValue)}\n`,
          );
      });
    });

  memoryCommand
    .command('undo')
    .description('Revert the latest edit of a block.')
    .argument('<agent>', 'id or unique name')
    .argument('<label>')
    .action(async (idOrName: string, label: string, _flags: unknown, command: Command) => {
      await withMemory(command, async (memory) => {
        const agent = await memory.getAgent(idOrName);
        const block = (await memory.blocks(agent.id)).find((candidate) => candidate.label === label);
        if (!block) throw new UserError('invalid_input', `Agent ${agent.name} has no "${label}" block.`);
        const reverted = await memory.undoBlock(block.id);
        process.stdout.write(
          `${label}: reverted to version ${reverted.version - 1}'s value (now version ${reverted.version})\n`,
        );
      });
    });
}
