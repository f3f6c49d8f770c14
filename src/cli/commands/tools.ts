import type { Command } from 'commander';

import { openConfiguredStore } from '../../config/index.js';
import { UserError } from '../../errors/index.js';
import { SkillLibrary } from '../../tools/index.js';
import { loadCliConfig } from '../context.js';
import { printJson } from '../output.js';
import { openToolbox } from '../toolbox.js';

function parseArguments(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new UserError(
      'invalid_input',
      `Tool arguments must be a JSON object, e.g. '{"path": "README.md"}': ${(cause as Error).message}`,
      { cause },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UserError('invalid_input', 'Tool arguments must be a JSON object.');
  return value as Record<string, unknown>;
}

export function registerToolsCommand(program: Command): void {
  const tools = program
    .command('tools')
    .description(
      'The tools agents get: built-ins and the configured MCP servers (mcpServers in the config).',
    );

  tools
    .command('list')
    .description('List every tool with its description and annotations.')
    .option('--json', 'print JSON, with each input schema')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { config } = await loadCliConfig(command);
      const store = config.tools.mode === 'direct' ? undefined : await openConfiguredStore(config);
      const toolbox = await openToolbox(config, store);
      try {
        if (flags.json) {
          return printJson(
            toolbox.tools.map((tool) => ({
              ...tool.definition,
              annotations: tool.annotations,
              concurrency: tool.concurrency,
            })),
          );
        }
        for (const tool of toolbox.tools) {
          const hints = Object.entries(tool.annotations)
            .filter(([, on]) => on)
            .map(([hint]) => hint);
          process.stdout.write(
            `${tool.name}${hints.length ? ` [${hints.join(', ')}]` : ''}\n    ${tool.definition.description.split('\n')[0] ?? ''}\n`,
          );
        }
      } finally {
        await toolbox.close();
        await store?.close();
      }
    });

  tools
    .command('call')
    .description('Call one tool directly, e.g. hydra tools call filesystem__list_directory \'{"path": "."}\'')
    .argument('<name>')
    .argument('[arguments]', 'a JSON object')
    .option('--json', 'print {ok, content} as JSON')
    .action(async (name: string, text: string | undefined, flags: { json?: boolean }, command: Command) => {
      const args = parseArguments(text);
      const { config } = await loadCliConfig(command);
      const toolbox = await openToolbox(config, undefined);
      try {
        const tool = toolbox.tools.find((candidate) => candidate.name === name);
        if (!tool) throw new UserError('invalid_input', `No tool named "${name}"; see: hydra tools list`);
        const outcome = await tool.run(args);
        if (flags.json) printJson(outcome);
        else process.stdout.write(`${outcome.content}\n`);
        if (!outcome.ok) process.exitCode = 1;
      } finally {
        await toolbox.close();
      }
    });
}

export function registerSkillsCommand(program: Command): void {
  const skills = program
    .command('skills')
    .description('Saved programs (procedural memory) that agents run with run_skill.');

  const withSkills = async <T>(command: Command, work: (library: SkillLibrary) => Promise<T>): Promise<T> => {
    const { config } = await loadCliConfig(command);
    const store = await openConfiguredStore(config);
    try {
      return await work(await SkillLibrary.open(store));
    } finally {
      await store.close();
    }
  };

  skills
    .command('list')
    .description('Saved skills.')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withSkills(command, async (library) => {
        const list = await library.list();
        if (flags.json) return printJson(list);
        if (list.length === 0)
          process.stderr.write(
            'No skills yet: agents save them with save_skill (tools.mode code or both).\n',
          );
        for (const skill of list) process.stdout.write(`${skill.name}  ${skill.description}\n`);
      });
    });

  skills
    .command('show')
    .description('A skill with its code.')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: { json?: boolean }, command: Command) => {
      await withSkills(command, async (library) => {
        const skill = await library.require(name);
        if (flags.json) return printJson(skill);
        process.stdout.write(`${skill.name}: ${skill.description}\n\n${skill.code}\n`);
      });
    });
}
