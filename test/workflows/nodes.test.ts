import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { AgentRuntime, RunStore } from '../../src/agents/index.js';
import { Kernel } from '../../src/kernel/index.js';
import { createModelProvider } from '../../src/models/index.js';
import { SimModelServer } from '../../src/testing/index.js';
import { defineTool } from '../../src/tools/index.js';
import {
  agentNode,
  END,
  Graph,
  reducers,
  START,
  subgraphNode,
  WorkflowEngine,
} from '../../src/workflows/index.js';
import { InMemoryWorkflowStore } from '../../src/workflows/memory-store.js';
import { TEST_STORES } from '../memory/stores.js';

const [embedded] = TEST_STORES;
if (!embedded) throw new Error('no test store');

let opened: Awaited<ReturnType<typeof embedded.open>>;
let sim: SimModelServer;
let kernel: Kernel;
let runtime: AgentRuntime;
const pushes: string[] = [];
beforeAll(async () => {
  opened = await embedded.open();
  sim = new SimModelServer({
    rules: [
      {
        match: { afterToolResult: false },
        reply: { toolCalls: [{ name: 'git_push', arguments: { branch: 'main' } }] },
      },
      { match: { afterToolResult: true }, reply: { text: 'release: {{lastToolResult}}' } },
    ],
  });
  const { url } = await sim.start(0);
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries: 0 },
  });
  kernel = new Kernel({ backends: [{ provider, slots: 2 }] });
  const gitPush = defineTool({
    name: 'git_push',
    description: 'Pushes a branch',
    parameters: z.object({ branch: z.string() }),
    annotations: { destructive: true },
    execute: ({ branch }, context) => {
      pushes.push(`${branch}@${context.callId ?? '?'}`);
      return `pushed ${branch}`;
    },
  });
  runtime = new AgentRuntime({ kernel, runs: await RunStore.open(opened.store), tools: [gitPush] });
  runtime.define({ name: 'releaser', instructions: 'You release software.', tools: ['git_push'] });
});
afterAll(async () => {
  await kernel.close();
  await sim.stop();
  await opened.dispose();
});

const State = z.object({ version: z.string(), notes: z.array(z.string()).default([]) });

describe('agent and subgraph nodes', () => {
  it("pauses an agent's gated tool call for approval, then lets the agent finish without repeating its work", async () => {
    const engine = new WorkflowEngine({ store: new InMemoryWorkflowStore() });
    engine.register(
      new Graph('agentic', State, { notes: reducers.append<string>() })
        .node(
          'release',
          agentNode<z.output<typeof State>>({
            runtime,
            agent: 'releaser',
            goal: (state) => `Release ${state.version}`,
            update: (result) => ({ notes: [result.answer] }),
            approvalRequired: ['git_push'],
          }),
        )
        .edge(START, 'release')
        .edge('release', END)
        .compile(),
    );
    const paused = await engine.run('agentic', { version: 'v2' });
    expect(paused.status).toBe('waiting');
    const [approval] = await engine.pendingApprovals(paused.runId);
    expect(approval).toMatchObject({ action: 'git_push', payload: { branch: 'main' } });
    expect(pushes).toHaveLength(0);
    const calls = sim.stats().requests.byEndpoint.chatCompletions;
    const done = await engine.decide(approval?.id ?? '', {
      approve: true,
      hash: approval?.hash ?? '',
      by: 'ada',
    });
    expect(done).toMatchObject({ status: 'done', state: { notes: ['release: pushed main'] } });
    expect(pushes).toHaveLength(1);
    // The agent run resumed at its pending tool call: one more model call (the answer), not two.
    expect(sim.stats().requests.byEndpoint.chatCompletions - calls).toBe(1);
  });

  it('runs a subgraph as a durable child run, and an approval inside it pauses and resumes the parent', async () => {
    const engine = new WorkflowEngine({ store: new InMemoryWorkflowStore() });
    engine.register(
      new Graph('child', State, { notes: reducers.append<string>() })
        .node('check', async (state, context) => {
          const decision = await context.approval({ action: 'ship', payload: { version: state.version } });
          return { notes: [decision.approved ? 'child approved' : 'child rejected'] };
        })
        .edge(START, 'check')
        .edge('check', END)
        .compile(),
    );
    engine.register(
      new Graph('parent', State, { notes: reducers.append<string>() })
        .node(
          'delegate',
          subgraphNode<z.output<typeof State>, z.output<typeof State>>({
            engine,
            graph: 'child',
            input: (state) => ({ version: state.version }),
            update: (child) => ({ notes: child.notes }),
          }),
        )
        .node('finish', () => ({ notes: ['parent done'] }))
        .edge(START, 'delegate')
        .edge('delegate', 'finish')
        .edge('finish', END)
        .compile(),
    );
    const paused = await engine.run('parent', { version: 'v3' });
    expect(paused.status).toBe('waiting');
    const [approval] = await engine.pendingApprovals();
    expect(approval?.runId.startsWith(`${paused.runId}::`)).toBe(true);
    const done = await engine.decide(approval?.id ?? '', {
      approve: true,
      hash: approval?.hash ?? '',
      by: 'ada',
    });
    expect(done).toMatchObject({
      runId: paused.runId,
      status: 'done',
      state: { notes: ['child approved', 'parent done'] },
    });
  });
});
