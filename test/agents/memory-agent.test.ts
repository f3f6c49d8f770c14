import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runMemoryAgentTurn } from '../../src/agents/index.js';
import { Kernel } from '../../src/kernel/index.js';
import { MemoryService } from '../../src/memory/index.js';
import { createModelProvider } from '../../src/models/index.js';
import { SimModelServer } from '../../src/testing/index.js';
import { TEST_STORES } from '../memory/stores.js';

const [embedded] = TEST_STORES;
if (!embedded) throw new Error('no test store');

let opened: Awaited<ReturnType<typeof embedded.open>>;
let memory: MemoryService;
let sim: SimModelServer;
let kernel: Kernel;
beforeAll(async () => {
  opened = await embedded.open();
  memory = await MemoryService.open(opened.store);
  sim = new SimModelServer({
    rules: [
      // The sleep-time agent tidies the human block, then reports.
      {
        match: { system: 'sleep-time memory agent', afterToolResult: false },
        reply: {
          toolCalls: [
            {
              name: 'memory_rethink',
              arguments: { label: 'human', new_memory: 'Name: Grace. Prefers tea.' },
            },
          ],
        },
      },
      {
        match: { system: 'sleep-time memory agent', afterToolResult: true },
        reply: { text: 'Merged the duplicate facts in the human block.' },
      },
      { reply: { text: 'Noted.' } },
    ],
  });
  const { url } = await sim.start(0);
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries: 0 },
  });
  kernel = new Kernel({ backends: [{ provider, slots: 2 }] });
});
afterAll(async () => {
  await kernel.close();
  await sim.stop();
  await opened.dispose();
});

describe('persistent agent turns', () => {
  it('stores the turn in recall memory and keeps the context for the next turn', async () => {
    const agent = await memory.createAgent({ name: 'turns' });
    await runMemoryAgentTurn({ memory, agentId: agent.id, kernel, message: 'I like tea' });
    await runMemoryAgentTurn({ memory, agentId: agent.id, kernel, message: 'And biscuits' });
    const record = await memory.getAgent(agent.id);
    const messages = await memory.messages(record.inContextMessageIds);
    expect(messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'I like tea'],
      ['assistant', 'Noted.'],
      ['user', 'And biscuits'],
      ['assistant', 'Noted.'],
    ]);
  });

  it('runs the sleep-time memory agent every N turns, editing the shared blocks', async () => {
    const agent = await memory.createAgent({
      name: 'sleepy',
      sleeptime: { frequency: 2 },
      blocks: [{ label: 'human', value: 'Name: Grace\nName: Grace\nLikes tea' }],
    });
    const first = await runMemoryAgentTurn({ memory, agentId: agent.id, kernel, message: 'hello' });
    expect(first.sleeptime).toBeUndefined();
    const second = await runMemoryAgentTurn({ memory, agentId: agent.id, kernel, message: 'how are you' });
    const report = await second.sleeptime;
    expect(report).toEqual({
      reviewedMessages: 4,
      summary: 'Merged the duplicate facts in the human block.',
    });
    expect((await memory.blocks(agent.id))[0]?.value).toBe('Name: Grace. Prefers tea.');
    const history = await memory.blockHistory((await memory.blocks(agent.id))[0]?.id ?? '');
    expect(history.at(-1)?.agentId).toBe(agent.id);
  });
});
