import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { SimModelServer } from '../../../src/testing/index.js';
import { cleanEnv, HYDRA_BIN } from '../../cli/run-cli.js';

let cwd: string;
let sim: SimModelServer;
let env: Record<string, string>;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'hydra-mcp-cli-'));
  sim = new SimModelServer({
    rules: [
      {
        match: { lastUser: 'remember', afterToolResult: false },
        reply: {
          toolCalls: [
            {
              name: 'archival_memory_insert',
              arguments: { content: 'Grace is learning Norwegian in Bergen.', tags: ['languages'] },
            },
          ],
        },
      },
      { match: { toolResultFrom: 'archival_memory_insert' }, reply: { text: 'Saved to archival memory.' } },
      { match: { lastUser: 'hello' }, reply: { text: 'Hello from Hydra.' } },
    ],
  });
  const { url } = await sim.start(0);
  env = cleanEnv({ HYDRA_MODEL: `openai-compatible:${url}#sim-model` });
});
afterAll(async () => {
  await sim.stop();
  await rm(cwd, { recursive: true, force: true });
});

const structured = (result: { structuredContent?: unknown }): Record<string, unknown> =>
  z.record(z.string(), z.unknown()).parse(result.structuredContent);

// Each test starts the built CLI (PGlite, tokenizer): slow on a loaded machine, hence the longer timeouts.
describe('hydra mcp serve', () => {
  it('serves agents and memory over stdio, with nothing but protocol on stdout', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [HYDRA_BIN, 'mcp', 'serve'],
      cwd,
      env,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'hydra-stdio-test', version: '0.0.0' });
    const protocolErrors: Error[] = [];
    client.onerror = (error) => protocolErrors.push(error);
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('send_message');

      await client.callTool({ name: 'create_agent', arguments: { name: 'ada', persona: 'I am Ada.' } });
      const hello = await client.callTool({
        name: 'send_message',
        arguments: { agent: 'ada', message: 'hello' },
      });
      expect(structured(hello)).toMatchObject({ reply: 'Hello from Hydra.', steps: 1 });
      const remembered = await client.callTool({
        name: 'send_message',
        arguments: { agent: 'ada', message: 'Please remember that I am learning Norwegian' },
      });
      expect(structured(remembered)).toMatchObject({ reply: 'Saved to archival memory.', steps: 2 });

      const found = await client.callTool({
        name: 'search_archival_memory',
        arguments: { agent: 'ada', query: 'Norwegian', tags: ['languages'] },
      });
      expect(structured(found)['results']).toEqual([
        expect.objectContaining({ text: 'Grace is learning Norwegian in Bergen.' }),
      ]);

      const blocks = z
        .object({ blocks: z.array(z.object({ label: z.string(), version: z.number() })) })
        .parse(structured(await client.callTool({ name: 'get_memory_blocks', arguments: { agent: 'ada' } })));
      const version = blocks.blocks.find((block) => block.label === 'persona')?.version ?? -1;
      const update = (
        value: string,
      ): Promise<{ isError?: boolean | undefined; structuredContent?: unknown }> =>
        client.callTool({
          name: 'update_memory_block',
          arguments: { agent: 'ada', label: 'persona', value, expected_version: version },
        });
      expect((await update('I am Ada, a tutor.')).isError).toBeFalsy();
      const conflict = await update('I am Ada, a pirate.');
      expect(conflict.isError).toBe(true);
      expect(structured(conflict)['error']).toMatchObject({
        code: 'conflict',
        data: { current: 'I am Ada, a tutor.' },
      });
    } finally {
      await client.close();
    }
    expect(protocolErrors).toEqual([]);
    expect(stderr).toContain('MCP server ready on stdio');
  }, 60_000);

  it('serves Streamable HTTP with a generated token printed once, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [HYDRA_BIN, 'mcp', 'serve', '--http', '0'], { cwd, env });
    let stderr = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/listening on http/.test(stderr)) resolve();
      });
      child.once('close', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      await ready;
      const url = /listening on (http:\S+)/.exec(stderr)?.[1] ?? '';
      const token = /generated bearer token[^:]*: (\S+)/.exec(stderr)?.[1] ?? '';
      expect(token.length).toBeGreaterThan(20);
      expect((await fetch(url, { method: 'POST' })).status).toBe(401);

      const client = new Client({ name: 'hydra-http-cli-test', version: '0.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
        }),
      );
      const listed = await client.callTool({ name: 'list_agents', arguments: {} });
      expect(structured(listed)).toMatchObject({ agents: [{ name: 'ada' }] });
      await client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr.match(/generated bearer token/g)).toHaveLength(1);
    expect(stderr).toContain('stopped (SIGTERM)');
    expect(stdout).toBe('');
  }, 60_000);
});
