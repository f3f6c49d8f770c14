import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runAgent } from '../../src/agents/index.js';
import { Kernel } from '../../src/kernel/index.js';
import { AgentMemory, MemoryService, memoryTools } from '../../src/memory/index.js';
import { createModelProvider, type ModelProvider } from '../../src/models/index.js';
import { SimModelServer, type SimRule } from '../../src/testing/index.js';
import { TEST_STORES } from './stores.js';

const [embedded] = TEST_STORES;
if (!embedded) throw new Error('no test store');

let opened: Awaited<ReturnType<typeof embedded.open>>;
let memory: MemoryService;
let counter = 0;
beforeAll(async () => {
  opened = await embedded.open();
  memory = await MemoryService.open(opened.store);
});
afterAll(async () => {
  await opened.dispose();
});

async function simulated(
  rules: SimRule[],
  contextWindow = 8_192,
): Promise<{ sim: SimModelServer; provider: ModelProvider }> {
  const sim = new SimModelServer({ rules, contextWindow });
  const { url } = await sim.start(0);
  return {
    sim,
    provider: await createModelProvider(`openai-compatible:${url}#sim-model`, {
      settings: { maxRetries: 0 },
    }),
  };
}

/** Runs one turn of a persistent agent whose model follows `rules`, with the memory tools. */
async function turn(agentId: string, goal: string, rules: SimRule[]): Promise<string> {
  const { sim, provider } = await simulated(rules);
  try {
    const agentMemory = new AgentMemory(memory, agentId, { model: provider });
    const result = await runAgent({
      provider,
      goal,
      conversation: agentMemory,
      tools: memoryTools(memory, agentId),
      maxSteps: 4,
    });
    return result.answer;
  } finally {
    await sim.stop();
  }
}

/** A model that calls one tool on the first step and then reports what the tool said. */
function callsTool(name: string, args: Record<string, unknown>): SimRule[] {
  return [
    { match: { afterToolResult: false }, reply: { toolCalls: [{ name, arguments: args }] } },
    { match: { afterToolResult: true }, reply: { text: '{{lastToolResult}}' } },
  ];
}

describe('memory tools through an agent on the simulated model', () => {
  it('core_memory_append adds to a block that the next prompt shows', async () => {
    const agent = await memory.createAgent({ name: `append-${++counter}` });
    const answer = await turn(
      agent.id,
      'My name is Grace.',
      callsTool('core_memory_append', { label: 'human', content: 'Name: Grace' }),
    );
    expect(answer).toMatch(/now holds 11\/5000 characters/);
    expect(await memory.systemPrompt(agent)).toContain('Name: Grace');
  });

  it('core_memory_replace and memory_replace edit text; a missing string is a tool error showing the block', async () => {
    const agent = await memory.createAgent({
      name: `replace-${++counter}`,
      blocks: [{ label: 'human', value: 'Likes tea. Lives in Oslo.' }],
    });
    await turn(
      agent.id,
      'I moved.',
      callsTool('core_memory_replace', { label: 'human', old_content: 'Oslo', new_content: 'Bergen' }),
    );
    await turn(
      agent.id,
      'Coffee now.',
      callsTool('memory_replace', { label: 'human', old_str: 'tea', new_str: 'coffee' }),
    );
    expect((await memory.blocks(agent.id))[0]?.value).toBe('Likes coffee. Lives in Bergen.');
    const answer = await turn(
      agent.id,
      'x',
      callsTool('memory_replace', { label: 'human', old_string: 'Paris', new_string: 'Rome' }),
    );
    expect(answer).toMatch(/"Paris" was not found in the "human" block. Its current value is:\nLikes coffee/);
  });

  it('memory_insert and memory_rethink rewrite blocks; limits are enforced', async () => {
    const agent = await memory.createAgent({
      name: `rethink-${++counter}`,
      blocks: [{ label: 'notes', value: 'a\nc', limit: 20 }],
    });
    await turn(
      agent.id,
      'x',
      callsTool('memory_insert', { label: 'notes', new_string: 'b', insert_line: 1 }),
    );
    expect((await memory.blocks(agent.id))[0]?.value).toBe('a\nb\nc');
    const over = await turn(
      agent.id,
      'x',
      callsTool('memory_rethink', { label: 'notes', new_memory: 'z'.repeat(30) }),
    );
    expect(over).toMatch(/over its 20-character limit/);
    await turn(agent.id, 'x', callsTool('memory_rethink', { label: 'plans', new_memory: 'sail on Sunday' }));
    expect((await memory.blocks(agent.id)).map((block) => block.label)).toEqual(['notes', 'plans']);
  });

  it('archival_memory_insert then archival_memory_search finds the passage, saying it used full text', async () => {
    const agent = await memory.createAgent({ name: `archive-${++counter}` });
    await turn(
      agent.id,
      'x',
      callsTool('archival_memory_insert', { content: 'The wifi password is hunter2', tags: ['home'] }),
    );
    const answer = await turn(
      agent.id,
      'x',
      callsTool('archival_memory_search', { query: 'wifi password', tags: ['home'] }),
    );
    const parsed = JSON.parse(answer) as {
      search_mode: string;
      note: string;
      results: Array<{ content: string }>;
    };
    expect(parsed.search_mode).toBe('full-text');
    expect(parsed.note).toMatch(/No embedding model/);
    expect(parsed.results.map((result) => result.content)).toEqual(['The wifi password is hunter2']);
  });

  it('conversation_search finds earlier turns by text and rejects a bad date clearly', async () => {
    const agent = await memory.createAgent({ name: `recall-${++counter}` });
    await turn(agent.id, 'My favourite colour is teal.', [{ reply: { text: 'Noted!' } }]);
    const found = JSON.parse(
      await turn(agent.id, 'x', callsTool('conversation_search', { query: 'favourite colour' })),
    ) as {
      results: Array<{ role: string; content: string }>;
    };
    expect(found.results).toContainEqual(
      expect.objectContaining({ role: 'user', content: 'My favourite colour is teal.' }),
    );
    const bad = await turn(
      agent.id,
      'x',
      callsTool('conversation_search', { query: 'teal', start_date: 'last tuesday' }),
    );
    expect(bad).toMatch(/start_date "last tuesday" is not a date/);
  });

  it('gives a clear tool error for bad arguments instead of crashing', async () => {
    const agent = await memory.createAgent({ name: `bad-args-${++counter}` });
    const answer = await turn(agent.id, 'x', callsTool('core_memory_append', { label: 'human' }));
    expect(answer).toMatch(/Invalid arguments for core_memory_append: content/);
  });
});

describe('the managed message buffer', () => {
  it('compacts under pressure, keeps every message in recall, and never splits a tool call from its result', async () => {
    const agent = await memory.createAgent({ name: `compact-${++counter}` });
    const { sim, provider } = await simulated([{ reply: { text: 'ok' } }], 2_048);
    try {
      const agentMemory = new AgentMemory(memory, agent.id, { model: provider });
      for (let index = 0; index < 40; index++) {
        await agentMemory.append([
          { role: 'user', content: `message ${index}: ${'lorem ipsum dolor '.repeat(8)}` },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: `call-${index}`, name: 'lookup', arguments: { index } }],
          },
          { role: 'tool', toolCallId: `call-${index}`, name: 'lookup', content: `result ${index}` },
        ]);
        const context = await agentMemory.context();
        expect(provider.countTokens({ messages: context })).toBeLessThan(2_048);
        const first = context.find(
          (message, position) => position > 0 && !message.content.startsWith('[This is an automated'),
        );
        expect(first?.role).not.toBe('tool');
      }
      expect(await memory.recallCount(agent.id)).toBe(120);
      const record = await memory.getAgent(agent.id);
      expect(record.summary).not.toBe('');
      expect(record.inContextMessageIds.length).toBeLessThan(120);
    } finally {
      await sim.stop();
    }
  });

  it("is the kernel's compaction hook: an overflowing prompt is compacted and sent instead of refused", async () => {
    const agent = await memory.createAgent({ name: `overflow-${++counter}` });
    const { sim, provider } = await simulated([{ reply: { text: 'fits now' } }], 1_024);
    const kernel = new Kernel({ backends: [{ provider, slots: 1 }] });
    try {
      const agentMemory = new AgentMemory(memory, agent.id, {
        model: provider,
        policy: { warnAt: 0.99, compactAt: 5, compactTo: 0.5, keepLast: 2 },
      });
      for (let index = 0; index < 30; index++)
        await agentMemory.append([{ role: 'user', content: `note ${index} ${'x '.repeat(30)}` }]);
      const handle = await kernel.acquireAgent(agent.id, {
        compact: (request, overflow) => agentMemory.compactForOverflow(request, overflow),
      });
      const response = await handle.chat({ messages: await agentMemory.context(), maxTokens: 64 });
      expect(response.message.content).toBe('fits now');
      expect(kernel.stats().syscalls.contextOverflows).toBe(0);
      expect(sim.stats().responses['400']).toBeUndefined();
      expect(await memory.recallCount(agent.id)).toBe(30);
    } finally {
      await kernel.close();
      await sim.stop();
    }
  });
});
