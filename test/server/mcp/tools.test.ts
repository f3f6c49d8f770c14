import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Kernel } from '../../../src/kernel/index.js';
import { MemoryService } from '../../../src/memory/index.js';
import { createModelProvider } from '../../../src/models/index.js';
import { createHydraMcpServer, HYDRA_MCP_TOOLS, type HydraMcpDeps } from '../../../src/server/mcp/index.js';
import { SimModelServer } from '../../../src/testing/index.js';
import { TEST_STORES } from '../../memory/stores.js';

const [embedded] = TEST_STORES;
if (!embedded) throw new Error('no test store');

let opened: Awaited<ReturnType<typeof embedded.open>>;
let memory: MemoryService;
let sim: SimModelServer;
let kernel: Kernel;
const errors: unknown[] = [];

async function connect(deps: HydraMcpDeps): Promise<{ client: Client; server: McpServer }> {
  const server = createHydraMcpServer(deps);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'hydra-test', version: '0.0.0' });
  await client.connect(clientSide);
  return { client, server };
}

let client: Client;
let server: McpServer;
beforeAll(async () => {
  opened = await embedded.open();
  memory = await MemoryService.open(opened.store);
  sim = new SimModelServer({
    rules: [{ match: { lastUser: 'hello' }, reply: { text: 'Hello, I am Ada.' } }],
  });
  const { url } = await sim.start(0);
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries: 0 },
  });
  kernel = new Kernel({ backends: [{ provider, slots: 2 }] });
  ({ client, server } = await connect({ memory, kernel, onError: (error) => errors.push(error) }));
});
afterAll(async () => {
  await client.close();
  await server.close();
  await kernel.close();
  await sim.stop();
  await opened.dispose();
});

const structured = (result: { structuredContent?: unknown }): Record<string, unknown> =>
  z.record(z.string(), z.unknown()).parse(result.structuredContent);
const text = (result: { content?: unknown }): string =>
  z
    .array(z.object({ type: z.literal('text'), text: z.string() }))
    .parse(result.content)
    .map((part) => part.text)
    .join('\n');

describe('Hydra MCP server tools', () => {
  it('lists its tools with annotations and input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...HYDRA_MCP_TOOLS].sort());
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get('list_agents')?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get('update_memory_block')?.annotations).toMatchObject({ destructiveHint: true });
    expect(byName.get('send_message')?.inputSchema.required).toEqual(['agent', 'message']);
    expect(tools.map((tool) => tool.name)).not.toContain('start_workflow');
  });

  it('creates an agent, chats with it and reads its memory', async () => {
    const created = await client.callTool({
      name: 'create_agent',
      arguments: { name: 'ada', persona: 'I am Ada.', human: 'Name: Grace' },
    });
    expect(created.isError).toBeFalsy();
    const agent = z.object({ id: z.string(), name: z.literal('ada') }).parse(structured(created)['agent']);

    const listed = await client.callTool({ name: 'list_agents', arguments: {} });
    expect(JSON.stringify(structured(listed))).toContain(agent.id);

    const reply = await client.callTool({
      name: 'send_message',
      arguments: { agent: 'ada', message: 'hello' },
    });
    expect(reply.isError).toBeFalsy();
    const turn = structured(reply);
    expect(turn).toMatchObject({ reply: 'Hello, I am Ada.', stop_reason: 'answer', steps: 1 });
    expect(turn['usage']).toMatchObject({ totalTokens: expect.any(Number) });
    expect(turn['step_usage']).toHaveLength(1);

    const found = await client.callTool({
      name: 'search_conversation',
      arguments: { agent: agent.id, query: 'hello' },
    });
    expect(structured(found)['total']).toBeGreaterThan(0);

    const blocks = await client.callTool({ name: 'get_memory_blocks', arguments: { agent: 'ada' } });
    expect(structured(blocks)['blocks']).toEqual(
      expect.arrayContaining([expect.objectContaining({ label: 'persona', value: 'I am Ada.', version: 1 })]),
    );
  });

  it('updates a block by compare-and-set and reports a conflict with the current value', async () => {
    const written = await client.callTool({
      name: 'update_memory_block',
      arguments: { agent: 'ada', label: 'human', value: 'Name: Grace. Likes tea.', expected_version: 1 },
    });
    expect(written.isError).toBeFalsy();
    expect(structured(written)['block']).toMatchObject({ value: 'Name: Grace. Likes tea.', version: 2 });

    const stale = await client.callTool({
      name: 'update_memory_block',
      arguments: { agent: 'ada', label: 'human', value: 'Name: Grace', expected_version: 1 },
    });
    expect(stale.isError).toBe(true);
    expect(text(stale)).toContain('Name: Grace. Likes tea.');
    expect(structured(stale)['error']).toMatchObject({ code: 'conflict', data: { version: 2 } });

    const missing = await client.callTool({
      name: 'update_memory_block',
      arguments: { agent: 'ada', label: 'nope', value: 'x', expected_version: 1 },
    });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/no "nope" block.*persona, human/);
  });

  it('searches archival memory with tags', async () => {
    const agent = await memory.getAgent('ada');
    await memory.insertArchival(agent.id, 'Grace is learning Norwegian in Bergen.', ['languages']);
    await memory.insertArchival(agent.id, 'Grace prefers green tea.', ['food']);
    const found = await client.callTool({
      name: 'search_archival_memory',
      arguments: { agent: 'ada', query: 'Norwegian', tags: ['languages'], top_k: 5 },
    });
    expect(found.isError).toBeFalsy();
    const page = structured(found);
    expect(page['search_mode']).toBe('full-text');
    expect(page['results']).toEqual([
      expect.objectContaining({ text: 'Grace is learning Norwegian in Bergen.' }),
    ]);
  });

  it('turns failures into tool errors with the Hydra message and keeps serving', async () => {
    const unknown = await client.callTool({ name: 'get_memory_blocks', arguments: { agent: 'nobody' } });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain('No agent with id or name "nobody"');

    const badModel = await client.callTool({
      name: 'create_agent',
      arguments: { name: 'x', model: 'gpt-4o' },
    });
    expect(badModel.isError).toBe(true);
    expect(structured(badModel)['error']).toMatchObject({ code: 'model_id_invalid' });

    const invalid = await client.callTool({ name: 'send_message', arguments: { agent: 'ada' } });
    expect(invalid.isError).toBe(true);

    expect((await client.callTool({ name: 'list_agents', arguments: {} })).isError).toBeFalsy();
    expect(errors).toEqual([]);
  });

  it('says send_message needs a model when the kernel has none', async () => {
    const bare = new Kernel();
    const connected = await connect({ memory, kernel: bare });
    try {
      const result = await connected.client.callTool({
        name: 'send_message',
        arguments: { agent: 'ada', message: 'hello' },
      });
      expect(result.isError).toBe(true);
      expect(structured(result)['error']).toMatchObject({ code: 'model_not_configured' });
    } finally {
      await connected.client.close();
      await bare.close();
    }
  });

  it('registers extension tools (the workflow extension point)', async () => {
    const connected = await connect({
      memory,
      kernel,
      extensions: [
        (extended) =>
          extended.registerTool('ping', { inputSchema: z.object({}) }, () => ({
            content: [{ type: 'text', text: 'pong' }],
          })),
      ],
    });
    try {
      const { tools } = await connected.client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('ping');
    } finally {
      await connected.client.close();
    }
  });
});
