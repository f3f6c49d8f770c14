import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { ConfigError } from '../../../src/errors/index.js';
import { crewProgressPrinter, researchCrew, runCrewByName } from '../../../src/teams/crew/index.js';
import { defineTool, type FunctionTool } from '../../../src/tools/index.js';
import { crewWorld } from './setup.js';

const world = crewWorld();
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hydra-crew-'));
  await writeFile(join(root, 'rivers.md'), 'Rivers flood in spring when the snow melts.\n');
  await writeFile(join(root, 'app.log'), '12:00 ERROR disk full on /var\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the ready-made crews', () => {
  it('research: searches and reads local files, and the summary lands in the shared findings block', async () => {
    const { kernel } = await world.model([
      {
        match: { system: 'Research librarian', toolResultFrom: 'search_files' },
        reply: {
          toolCalls: [{ name: 'crew_memory_append', arguments: { content: 'source: {{lastToolResult}}' } }],
        },
      },
      {
        match: { system: 'Research librarian', toolResultFrom: 'crew_memory_append' },
        reply: { text: 'Sources: rivers.md (flood timing)' },
      },
      {
        match: { system: 'Research librarian' },
        reply: { toolCalls: [{ name: 'search_files', arguments: { query: 'flood' } }] },
      },
      {
        match: { system: 'Careful reader', afterToolResult: true },
        reply: { text: 'Fact: {{lastToolResult}} (rivers.md)' },
      },
      {
        match: { system: 'Careful reader' },
        reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'rivers.md' } }] },
      },
      {
        match: { system: 'Research writer' },
        reply: { text: 'Summary: rivers flood in spring, with the snow melt [rivers.md].' },
      },
    ]);
    const lines: string[] = [];
    const notes: string[] = [];
    const result = await runCrewByName({
      name: 'crew:research',
      goal: 'When do rivers flood?',
      kernel,
      store: world.store,
      root,
      onEvent: crewProgressPrinter((line) => lines.push(line)),
      onNote: (note) => notes.push(note),
    });
    expect(result.output).toBe('Summary: rivers flood in spring, with the snow melt [rivers.md].');
    expect(result.tasks[1]?.output).toBe('Fact: Rivers flood in spring when the snow melts.\n (rivers.md)');
    expect(result.memory?.label).toBe('findings');
    expect(result.memory?.value).toBe(
      'source: rivers.md:1: Rivers flood in spring when the snow melts.\n' +
        '[summarise] summariser: Summary: rivers flood in spring, with the snow melt [rivers.md].',
    );
    expect(notes.join('\n')).toMatch(/no MCP tool for web search.*the searcher searches the files under/);
    expect(lines.filter((line) => line.startsWith('✓')).map((line) => line.split(/\s+/).slice(1, 4))).toEqual(
      [
        ['search', 'done', 'searcher'],
        ['read', 'done', 'reader'],
        ['summarise', 'done', 'summariser'],
      ],
    );
    expect(lines.at(-1)).toMatch(/^crew research finished in \d/);
  });

  it('development: coder, then tester running code in the sandbox, then reviewer', async () => {
    const { kernel } = await world.model([
      {
        match: { system: 'Senior software engineer' },
        reply: { text: '```js\nconst sum = (xs) => xs.reduce((a, b) => a + b, 0);\n```' },
      },
      {
        match: { system: 'Test engineer', toolResultFrom: 'execute_code' },
        reply: { text: 'sum([1,2,3]) gave {{lastToolResult}}: passed' },
      },
      {
        match: { system: 'Test engineer' },
        reply: {
          toolCalls: [
            {
              name: 'execute_code',
              arguments: {
                code: 'const sum = (xs) => xs.reduce((a, b) => a + b, 0);\nreturn sum([1, 2, 3]);',
              },
            },
          ],
        },
      },
      { match: { system: 'Code reviewer', lastUser: 'passed' }, reply: { text: 'approve' } },
    ]);
    const result = await runCrewByName({
      name: 'development',
      goal: 'a sum function',
      kernel,
      store: world.store,
      root,
    });
    expect(result.tasks.map((task) => task.agent)).toEqual(['coder', 'tester', 'reviewer']);
    expect(result.tasks[1]?.output).toMatch(/^sum\(\[1,2,3\]\) gave .*6.*: passed$/s);
    expect(result.output).toBe('approve');
    expect(result.memory?.value).toContain('[test] tester: sum([1,2,3]) gave');
  });

  it('infrastructure: the monitor inspects the logs, the fixer proposes steps, the monitor verifies', async () => {
    const { kernel } = await world.model([
      {
        match: { lastUser: '^Task: Inspect', afterToolResult: true },
        reply: { text: 'Cause: {{lastToolResult}}' },
      },
      {
        match: { lastUser: '^Task: Inspect' },
        reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'app.log' } }] },
      },
      {
        match: { system: 'Operations engineer', lastUser: 'disk full' },
        reply: { text: 'Steps: rotate the logs in /var/log; rollback: none needed' },
      },
      {
        match: { lastUser: '^Task: Check whether[\\s\\S]*rotate the logs' },
        reply: { text: 'resolved: /var at 40%' },
      },
    ]);
    const notes: string[] = [];
    const result = await runCrewByName({
      name: 'crew:infrastructure',
      goal: 'the API returns 500s',
      kernel,
      store: world.store,
      root,
      onNote: (note) => notes.push(note),
    });
    expect(result.tasks.map((task) => [task.task, task.agent])).toEqual([
      ['check', 'monitor'],
      ['fix', 'fixer'],
      ['verify', 'monitor'],
    ]);
    expect(result.tasks[0]?.output).toContain('ERROR disk full on /var');
    expect(result.output).toBe('resolved: /var at 40%');
    expect(notes).toHaveLength(2);
    expect(notes[1]).toContain('the fixer proposes exact steps and changes nothing');
  });

  it('uses MCP tools it is given, and with requireMcp says which are missing at creation', () => {
    const mcpSearch = defineTool({
      name: 'brave__web_search',
      description: 'Searches the web',
      parameters: z.object({ query: z.string() }),
      execute: () => 'no results',
    }) as FunctionTool;
    const withSearch = researchCrew({ root, tools: [mcpSearch] });
    expect(withSearch.crew.agents[0]?.tools).toEqual(['brave__web_search', 'read_file']);
    expect(withSearch.tools.map((tool) => tool.name).sort()).toEqual(['brave__web_search', 'read_file']);
    expect(withSearch.notes).toEqual([expect.stringContaining('no MCP tool for fetching web pages')]);
    expect(() => researchCrew({ root, requireMcp: true })).toThrow(ConfigError);
    expect(() => researchCrew({ root, requireMcp: true })).toThrow(
      /The research crew found no MCP tool for web search: add an MCP server with one to "mcpServers"/,
    );
  });

  it('names the ready-made crews when asked for one that does not exist', async () => {
    const { kernel } = await world.model([]);
    await expect(
      runCrewByName({ name: 'crew:marketing', goal: 'x', kernel, store: world.store }),
    ).rejects.toThrow(
      'No ready-made crew "marketing"; choose one of: crew:research, crew:development, crew:infrastructure.',
    );
  });
});
