import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SimModelServer } from '../../src/testing/index.js';
import { cleanEnv, runCli } from './run-cli.js';

const FILESYSTEM_SERVER = resolve(
  import.meta.dirname,
  '../../node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
);

let cwd: string;
let sim: SimModelServer;
let env: Record<string, string>;

async function configure(mode: 'direct' | 'code'): Promise<void> {
  await writeFile(
    join(cwd, 'hydra.config.json'),
    JSON.stringify({
      mcpServers: { filesystem: { command: process.execPath, args: [FILESYSTEM_SERVER, cwd] } },
      tools: { mode },
    }),
  );
}

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'hydra-tools-cli-'));
  await writeFile(join(cwd, 'prices.csv'), 'item,price\napple,3\npear,4\nfig,5\n');
  sim = new SimModelServer({
    rules: [
      {
        match: { afterToolResult: false, hasTools: true, lastUser: 'direct' },
        reply: {
          toolCalls: [{ name: 'filesystem__read_text_file', arguments: { path: join(cwd, 'prices.csv') } }],
        },
      },
      {
        match: { afterToolResult: false, hasTools: true, lastUser: 'code' },
        reply: {
          toolCalls: [
            {
              name: 'execute_code',
              arguments: {
                code: `const file = await servers.filesystem.read_text_file({ path: ${JSON.stringify(join(cwd, 'prices.csv'))} });
const text = typeof file === 'string' ? file : file.content;
return text.trim().split('\\n').slice(1).reduce((sum, line) => sum + Number(line.split(',')[1]), 0);`,
              },
            },
          ],
        },
      },
      { match: { afterToolResult: true }, reply: { text: 'Result: {{lastToolResult}}' } },
    ],
  });
  const { url } = await sim.start(0);
  env = cleanEnv({ HYDRA_MODEL: `openai-compatible:${url}#sim-model` });
});
afterAll(async () => {
  await sim.stop();
  await rm(cwd, { recursive: true, force: true });
});

describe('MCP tools from the CLI', () => {
  it('lists and calls the configured MCP server tools', async () => {
    await configure('direct');
    const listed = JSON.parse((await runCli(['tools', 'list', '--json'], { cwd, env })).stdout) as Array<{
      name: string;
      annotations: Record<string, boolean>;
    }>;
    const read = listed.find((tool) => tool.name === 'filesystem__read_text_file');
    expect(read?.annotations).toMatchObject({ readOnly: true });
    const called = await runCli(
      ['tools', 'call', 'filesystem__read_text_file', JSON.stringify({ path: join(cwd, 'prices.csv') })],
      { cwd, env },
    );
    expect(called.code).toBe(0);
    expect(called.stdout).toContain('apple,3');
    const bad = await runCli(['tools', 'call', 'filesystem__read_text_file', '{oops'], { cwd, env });
    expect(bad.code).toBe(2);
  });

  it('runs an agent that calls MCP tools directly', async () => {
    await configure('direct');
    const result = await runCli(['run', 'direct: sum the prices', '--json'], { cwd, env });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { answer: string }).answer).toContain('pear,4');
  });

  it('runs an agent in code mode: a sandboxed program calls the MCP server and returns only the total', async () => {
    await configure('code');
    const listed = JSON.parse((await runCli(['tools', 'list', '--json'], { cwd, env })).stdout) as Array<{
      name: string;
    }>;
    expect(listed.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['search_tools', 'execute_code', 'save_skill', 'run_skill']),
    );
    expect(listed.map((tool) => tool.name)).not.toContain('filesystem__read_text_file');
    const result = await runCli(['run', 'code: sum the prices', '--json'], { cwd, env });
    expect(result.code).toBe(0);
    const answer = (JSON.parse(result.stdout) as { answer: string }).answer;
    expect(answer).toContain('12');
    expect(answer).not.toContain('apple');
  });

  it('lists skills (none yet) without error', async () => {
    const result = await runCli(['skills', 'list', '--json'], { cwd, env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });
});
