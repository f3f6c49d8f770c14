import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { AgentRuntime, RunStore } from '../../src/agents/index.js';
import { AbortedError } from '../../src/errors/index.js';
import { Kernel } from '../../src/kernel/index.js';
import { createModelProvider, type ModelProvider } from '../../src/models/index.js';
import { SimModelServer, type SimRule } from '../../src/testing/index.js';
import { defineTool } from '../../src/tools/index.js';
import { TEST_STORES } from '../memory/stores.js';

const [embedded] = TEST_STORES;
if (!embedded) throw new Error('no test store');

let opened: Awaited<ReturnType<typeof embedded.open>>;
let runs: RunStore;
beforeAll(async () => {
  opened = await embedded.open();
  runs = await RunStore.open(opened.store);
});
afterAll(async () => {
  await opened.dispose();
});

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function model(rules: SimRule[]): Promise<{ sim: SimModelServer; provider: ModelProvider }> {
  const sim = new SimModelServer({ rules });
  const { url } = await sim.start(0);
  cleanups.push(() => sim.stop());
  return {
    sim,
    provider: await createModelProvider(`openai-compatible:${url}#sim-model`, {
      settings: { maxRetries: 0 },
    }),
  };
}

function kernelFor(provider: ModelProvider): Kernel {
  const kernel = new Kernel({ backends: [{ provider, slots: 4 }] });
  cleanups.push(() => kernel.close());
  return kernel;
}

const log: string[] = [];
const lookup = defineTool({
  name: 'lookup',
  description: 'Looks up a fact by key',
  parameters: z.object({ key: z.string().min(1) }),
  annotations: { readOnly: true, idempotent: true },
  execute: async ({ key }) => {
    log.push(`start ${key}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    log.push(`end ${key}`);
    return `${key}=42`;
  },
});

describe('the agent runtime', () => {
  it('runs tool calls in parallel, feeds results back and answers', async () => {
    const { provider } = await model([
      {
        match: { afterToolResult: false },
        reply: {
          toolCalls: [
            { name: 'lookup', arguments: { key: 'a' } },
            { name: 'lookup', arguments: { key: 'b' } },
          ],
        },
      },
      { match: { afterToolResult: true }, reply: { text: 'a and b are both 42' } },
    ]);
    const runtime = new AgentRuntime({ kernel: kernelFor(provider), runs, tools: [lookup] });
    runtime.define({ name: 'researcher', instructions: 'You research.', tools: ['lookup'] });
    log.length = 0;
    const result = await runtime.run('researcher', 'what are a and b?');
    expect(result).toMatchObject({ answer: 'a and b are both 42', stopReason: 'answer', steps: 2 });
    expect(log.slice(0, 2)).toEqual(['start a', 'start b']);
    const stored = await runs.messages(result.runId);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant']);
  });

  it('lets the model correct arguments that failed validation', async () => {
    const { provider } = await model([
      {
        match: { afterToolResult: false },
        reply: { toolCalls: [{ name: 'lookup', arguments: { key: '' } }] },
      },
      {
        match: { lastUser: '.*', afterToolResult: true },
        times: 1,
        reply: { toolCalls: [{ name: 'lookup', arguments: { key: 'c' } }] },
      },
      { match: { afterToolResult: true }, reply: { text: 'done: {{lastToolResult}}' } },
    ]);
    const runtime = new AgentRuntime({ kernel: kernelFor(provider), runs, tools: [lookup] });
    runtime.define({ name: 'fixer', instructions: 'You fix.', tools: ['lookup'] });
    const result = await runtime.run('fixer', 'look up c');
    expect(result.answer).toBe('done: c=42');
    const firstResult = (await runs.messages(result.runId)).find((message) => message.role === 'tool');
    expect(firstResult?.content).toMatch(/Invalid arguments for lookup: key/);
  });

  it('stops at the step limit', async () => {
    const { provider } = await model([
      { reply: { toolCalls: [{ name: 'lookup', arguments: { key: 'loop' } }] } },
    ]);
    const runtime = new AgentRuntime({ kernel: kernelFor(provider), runs, tools: [lookup] });
    runtime.define({ name: 'looper', instructions: 'You loop.', tools: ['lookup'], limits: { maxSteps: 3 } });
    const result = await runtime.run('looper', 'go');
    expect(result).toMatchObject({ stopReason: 'max-steps', steps: 3 });
    expect((await runs.get(result.runId)).status).toBe('max-steps');
  });

  it('stops cleanly when the token or cost budget is spent, and accounts cost per call, run and agent', async () => {
    const { provider } = await model([
      { reply: { toolCalls: [{ name: 'lookup', arguments: { key: 'x' } }] } },
    ]);
    const runtime = new AgentRuntime({
      kernel: kernelFor(provider),
      runs,
      tools: [lookup],
      pricing: { [provider.id]: { inputPerMillion: 1_000, outputPerMillion: 2_000 } },
    });
    runtime.define({
      name: 'spender',
      instructions: 'You spend.',
      tools: ['lookup'],
      limits: { maxSteps: 50, maxCostUsd: 0.5 },
    });
    const result = await runtime.run('spender', 'go');
    expect(result.stopReason).toBe('budget');
    expect(result.costUsd).toBeGreaterThanOrEqual(0.5);
    expect(result.steps).toBeLessThan(50);
    const run = await runs.get(result.runId);
    expect(run.costUsd).toBeCloseTo(result.costUsd, 6);
    const expected = (run.usage.promptTokens * 1_000 + run.usage.completionTokens * 2_000) / 1e6;
    expect(run.costUsd).toBeCloseTo(expected, 6);
    expect((await runs.agentUsage('spender')).costUsd).toBeCloseTo(run.costUsd, 6);
  });

  it('resumes a run interrupted after step k without repeating finished model calls', async () => {
    const { sim, provider } = await model([
      { match: { toolResultFrom: 'lookup' }, reply: { text: 'finished with {{lastToolResult}}' } },
      { reply: { toolCalls: [{ name: 'lookup', arguments: { key: 'k' } }] } },
    ]);
    const controller = new AbortController();
    const crashing = defineTool({
      name: 'lookup',
      description: 'Looks up a fact by key',
      parameters: z.object({ key: z.string() }),
      execute: async ({ key }, context) => {
        controller.abort(); // the process "dies" while the tool runs: its result is never stored
        if (context.signal?.aborted) throw new AbortedError();
        await new Promise((_, reject) =>
          context.signal?.addEventListener('abort', () => reject(new AbortedError())),
        );
        return `${key}=lost`;
      },
    });
    const first = new AgentRuntime({ kernel: kernelFor(provider), runs, tools: [crashing] });
    first.define({ name: 'survivor', instructions: 'You survive.', tools: ['lookup'] });
    const started = sim.stats().requests.byEndpoint.chatCompletions;
    await expect(first.run('survivor', 'find k', { signal: controller.signal })).rejects.toMatchObject({
      code: 'aborted',
    });
    const [interrupted] = (await first.interruptedRuns()).filter((run) => run.agent === 'survivor');
    expect(interrupted?.steps).toBe(1);

    // A new process: new kernel, new runtime, same store.
    const second = new AgentRuntime({ kernel: kernelFor(provider), runs, tools: [lookup] });
    second.define({ name: 'survivor', instructions: 'You survive.', tools: ['lookup'] });
    const resumed = await second.resume(interrupted?.id ?? '');
    expect(resumed.answer).toBe('finished with k=42');
    expect(resumed.steps).toBe(2);
    // One call before the crash and one after it: the first step was not repeated.
    expect(sim.stats().requests.byEndpoint.chatCompletions - started).toBe(2);
  });
});

describe('handoffs', () => {
  const rules: SimRule[] = [
    // The triage agent hands billing questions over.
    {
      match: { system: 'triage', afterToolResult: false },
      reply: {
        toolCalls: [
          { name: 'transfer_to_billing', arguments: { task: 'refund order 7', preferences: 'email only' } },
        ],
      },
    },
    {
      match: { system: 'triage', toolResultFrom: 'transfer_to_billing' },
      reply: { text: 'Triage: billing says {{lastToolResult}}' },
    },
    {
      match: { system: 'triage', toolResultFrom: 'ask_billing' },
      reply: { text: 'Triage: billing says {{lastToolResult}}' },
    },
    {
      match: { system: 'billing', lastUser: 'Task: refund order 7' },
      reply: { text: 'refund issued ({{lastUser}})' },
    },
    { match: { system: 'billing' }, reply: { text: 'billing saw the full conversation: {{lastUser}}' } },
  ];

  it('passes only the task, constraints and preferences with filtered inheritance, and returns control', async () => {
    const { provider } = await model(rules);
    const runtime = new AgentRuntime({ kernel: kernelFor(provider), runs });
    runtime.define({ name: 'billing', instructions: 'You are billing.' });
    runtime.define({
      name: 'triage',
      instructions: 'You are triage.',
      handoffs: [{ agent: 'billing', inherit: 'filtered', control: 'return' }],
    });
    const result = await runtime.run(
      'triage',
      'I was charged twice for order 7, please refund. My cat is called Miso.',
    );
    expect(result.answer).toBe(
      'Triage: billing says refund issued (Task: refund order 7\nUser preferences: email only)',
    );
    const child = (await runs.list()).find((run) => run.parentRunId === result.runId);
    const seen = await runs.messages(child?.id ?? '');
    expect(JSON.stringify(seen)).not.toContain('Miso');
  });

  it('passes the whole conversation with full inheritance, and ends the run with the other agent when control continues', async () => {
    const { provider } = await model(rules);
    const runtime = new AgentRuntime({ kernel: kernelFor(provider), runs });
    runtime.define({ name: 'billing', instructions: 'You are billing.' });
    runtime.define({
      name: 'triage',
      instructions: 'You are triage.',
      handoffs: [{ agent: 'billing', inherit: 'full', control: 'continue' }],
    });
    const result = await runtime.run('triage', 'Charged twice for order 7. My cat is called Miso.');
    expect(result.stopReason).toBe('handoff');
    expect(result.answer).toMatch(/^refund issued/);
    const child = (await runs.list()).find((run) => run.parentRunId === result.runId);
    expect(JSON.stringify(await runs.messages(child?.id ?? ''))).toContain('Miso');
  });

  it('calls another agent as a tool', async () => {
    const { provider } = await model([
      {
        match: { system: 'triage', afterToolResult: false },
        reply: { toolCalls: [{ name: 'ask_billing', arguments: { task: 'refund order 7' } }] },
      },
      ...rules,
    ]);
    const runtime = new AgentRuntime({ kernel: kernelFor(provider), runs });
    runtime.define({ name: 'billing', instructions: 'You are billing.' });
    runtime.define({ name: 'triage', instructions: 'You are triage.', agentTools: ['billing'] });
    const result = await runtime.run('triage', 'refund please');
    expect(result.answer).toBe('Triage: billing says refund issued (Task: refund order 7)');
  });
});

describe('memory agents in the runtime', () => {
  it('builds the context from core memory, gives the memory tools, and stores messages in recall', async () => {
    const { MemoryService } = await import('../../src/memory/index.js');
    const memory = await MemoryService.open(opened.store);
    const agent = await memory.createAgent({
      name: 'remembers',
      blocks: [{ label: 'human', value: 'Name: Grace' }],
    });
    const { provider } = await model([
      {
        match: { system: 'Name: Grace', afterToolResult: false },
        reply: {
          toolCalls: [{ name: 'core_memory_append', arguments: { label: 'human', content: 'Likes tea' } }],
        },
      },
      { match: { afterToolResult: true }, reply: { text: 'Noted, Grace.' } },
    ]);
    const runtime = new AgentRuntime({ kernel: kernelFor(provider), runs, memory });
    runtime.define({ name: 'companion', instructions: 'unused', memoryAgent: 'remembers' });
    const result = await runtime.run('companion', 'I like tea');
    expect(result.answer).toBe('Noted, Grace.');
    expect((await memory.blocks(agent.id))[0]?.value).toBe('Name: Grace\nLikes tea');
    expect(await memory.recallCount(agent.id)).toBe(4);
    expect((await runs.get(result.runId)).steps).toBe(2);
  });
});
