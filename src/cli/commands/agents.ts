import { readFile, writeFile } from 'node:fs/promises';

import type { Command } from 'commander';

import { runMemoryAgentTurn } from '../../agents/index.js';
import { createConfiguredKernel, createConfiguredProvider } from '../../config/index.js';
import { ConfigError, UserError } from '../../errors/index.js';
import {
  DEFAULT_BLOCKS,
  exportAgentFile,
  importAgentFile,
  type AgentRecord,
  type MemoryService,
} from '../../memory/index.js';
import { defaultTools } from '../../tools/index.js';
import { withMemory } from '../memory-context.js';
import { printJson, progress } from '../output.js';
import { parsePositiveInt } from '../parse.js';

interface CreateFlags {
  persona?: string;
  human?: string;
  instructions?: string;
  model?: string;
  sleeptime?: number;
  json?: boolean;
}

async function describeAgent(memory: MemoryService, agent: AgentRecord): Promise<Record<string, unknown>> {
  return {
    id: agent.id,
    name: agent.name,
    model: agent.model ?? null,
    blocks: (await memory.blocks(agent.id)).map((block) => ({
      label: block.label,
      chars: block.value.length,
      limit: block.limit,
      access: block.access,
    })),
    messages: await memory.recallCount(agent.id),
    inContext: agent.inContextMessageIds.length,
    sleeptimeFrequency: agent.sleeptime?.frequency ?? null,
    createdAt: agent.createdAt.toISOString(),
  };
}

export function registerAgentsCommand(program: Command): void {
  const agents = program
    .command('agents')
    .description(
      'Persistent agents with Letta-style memory: create, list, show, chat, import, export, delete.',
    );

  agents
    .command('create')
    .description('Create a persistent agent with persona and human memory blocks.')
    .argument('<name>')
    .option('--persona <text>', 'initial persona block')
    .option('--human <text>', 'initial human block')
    .option('--instructions <text>', 'base instructions (system prompt before the memory blocks)')
    .option('-m, --model <id>', 'the model this agent uses by default')
    .option('--sleeptime <turns>', 'run a sleep-time memory agent every N turns', parsePositiveInt)
    .option('--json', 'print the agent as JSON')
    .action(async (name: string, flags: CreateFlags, command: Command) => {
      await withMemory(command, async (memory) => {
        const [persona, human] = DEFAULT_BLOCKS;
        const agent = await memory.createAgent({
          name,
          ...(flags.instructions !== undefined ? { instructions: flags.instructions } : {}),
          ...(flags.model !== undefined ? { model: flags.model } : {}),
          ...(flags.sleeptime !== undefined ? { sleeptime: { frequency: flags.sleeptime } } : {}),
          blocks: [
            { ...persona, label: 'persona', value: flags.persona ?? '' },
            { ...human, label: 'human', value: flags.human ?? '' },
          ],
        });
        if (flags.json) printJson(await describeAgent(memory, agent));
        else process.stdout.write(`${agent.id}\n`);
      });
    });

  agents
    .command('list')
    .description('List persistent agents.')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withMemory(command, async (memory) => {
        const all = await memory.listAgents();
        if (flags.json) return printJson(await Promise.all(all.map((agent) => describeAgent(memory, agent))));
        if (all.length === 0) return progress('No agents yet. Create one with: hydra agents create <name>');
        for (const agent of all)
          process.stdout.write(`${agent.id}  ${agent.name}${agent.model ? `  (${agent.model})` : ''}\n`);
      });
    });

  agents
    .command('show')
    .description('Show an agent: its blocks, message counts and settings.')
    .argument('<agent>', 'id or unique name')
    .option('--json', 'print JSON')
    .action(async (idOrName: string, flags: { json?: boolean }, command: Command) => {
      await withMemory(command, async (memory) => {
        const details = await describeAgent(memory, await memory.getAgent(idOrName));
        if (flags.json) printJson(details);
        else
          for (const [key, value] of Object.entries(details))
            process.stdout.write(
              `${key.padEnd(18)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`,
            );
      });
    });

  agents
    .command('chat')
    .description('Send the agent a message; it answers with its memory and tools, and remembers the turn.')
    .argument('<agent>', 'id or unique name')
    .argument('<message>')
    .option('-m, --model <id>', "model id (default: the agent's model, then HYDRA_MODEL)")
    .option('--max-steps <n>', 'stop after this many model calls', parsePositiveInt)
    .option('--json', 'print one JSON result')
    .action(
      async (
        idOrName: string,
        message: string,
        flags: { model?: string; maxSteps?: number; json?: boolean },
        command: Command,
      ) => {
        await withMemory(command, async (memory, config) => {
          const agent = await memory.getAgent(idOrName);
          const provider = await createConfiguredProvider(config, flags.model ?? agent.model ?? config.model);
          const kernel = createConfiguredKernel(config, [provider]);
          try {
            const result = await runMemoryAgentTurn({
              memory,
              agentId: agent.id,
              kernel,
              message,
              tools: defaultTools(process.cwd()),
              maxSteps: flags.maxSteps ?? config.agent.maxSteps,
              policy: {
                warnAt: config.memory.warnAt,
                compactAt: config.memory.compactAt,
                compactTo: config.memory.compactTo,
                keepLast: 3,
              },
              onEvent: (event) => {
                if (flags.json) return;
                if (event.type === 'text-delta') process.stdout.write(event.text);
                if (event.type === 'tool-call')
                  progress(`\n  → ${event.toolCall.name} ${JSON.stringify(event.toolCall.arguments)}`);
              },
            });
            if (!flags.json) process.stdout.write('\n');
            if (result.sleeptime) {
              if (!flags.json) progress('hydra: sleep-time memory pass running…');
              const report = await result.sleeptime;
              if (!flags.json)
                progress(
                  `hydra: sleep-time pass reviewed ${report.reviewedMessages} messages: ${report.summary}`,
                );
            }
            if (flags.json)
              printJson({
                ok: true,
                agent: agent.id,
                answer: result.answer,
                steps: result.steps,
                usage: result.usage,
              });
          } finally {
            await kernel.close();
          }
        });
      },
    );

  agents
    .command('import')
    .description('Import agents from a Letta Agent File (.af), current or legacy format.')
    .argument('<file>')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: { json?: boolean }, command: Command) => {
      const text = await readFile(file, 'utf8').catch((cause: unknown) => {
        throw new ConfigError(`Cannot read ${file}: ${(cause as Error).message}`, {
          code: 'config_not_found',
          cause,
        });
      });
      await withMemory(command, async (memory) => {
        const { agents: imported, warnings } = await importAgentFile(memory, text);
        if (flags.json)
          return printJson({
            agents: imported.map((agent) => ({ id: agent.id, name: agent.name })),
            warnings,
          });
        for (const warning of warnings) progress(`warning: ${warning.path}: ${warning.message}`);
        for (const agent of imported) process.stdout.write(`${agent.id}  ${agent.name}\n`);
      });
    });

  agents
    .command('export')
    .description('Export agents (blocks, tools, every message) as a Letta Agent File.')
    .argument('<agents...>', 'ids or unique names')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (ids: string[], flags: { output?: string }, command: Command) => {
      await withMemory(command, async (memory) => {
        const text = `${JSON.stringify(await exportAgentFile(memory, ids), null, 2)}\n`;
        if (flags.output) {
          await writeFile(flags.output, text);
          progress(`hydra: wrote ${flags.output}`);
        } else process.stdout.write(text);
      });
    });

  agents
    .command('delete')
    .description('Delete an agent with its messages, passages and the blocks no other agent uses.')
    .argument('<agent>', 'id or unique name')
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (idOrName: string, flags: { yes?: boolean }, command: Command) => {
      if (!flags.yes)
        throw new UserError(
          'invalid_input',
          `Deleting "${idOrName}" cannot be undone; run again with --yes (export it first with: hydra agents export ${idOrName} -o backup.af).`,
        );
      await withMemory(command, async (memory) => {
        const agent = await memory.deleteAgent(idOrName);
        progress(`hydra: deleted ${agent.id} (${agent.name})`);
      });
    });
}
