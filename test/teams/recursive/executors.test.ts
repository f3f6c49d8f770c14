import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { AgentRuntime, RunStore } from '../../../src/agents/index.js';
import {
  agentExecutor,
  runRecursiveTeam,
  SqlTaskTreeStore,
  toolExecutor,
} from '../../../src/teams/recursive/index.js';
import { defineTool } from '../../../src/tools/index.js';
import { TEST_STORES } from '../../memory/stores.js';
import { ATOMIC_BY_DEFAULT, harness, role, type Harness } from './support.js';

const [embedded] = TEST_STORES;
if (!embedded) throw new Error('no test store');
let opened: Awaited<ReturnType<typeof embedded.open>>;
let h: Harness;
beforeAll(async () => {
  opened = await embedded.open();
  h = await harness({
    rules: [
      ATOMIC_BY_DEFAULT,
      {
        match: { system: 'You are the worker agent' },
        reply: { text: 'the worker agent did: {{lastUser}}' },
      },
      { match: { system: role.executor }, reply: { text: 'plain llm' } },
    ],
  });
});
afterAll(async () => {
  await h.close();
  await opened.dispose();
});

describe('recursive team: pluggable executors', () => {
  it('lets a nested agent of the AgentRuntime execute a task, as a durable run with a per-node id', async () => {
    const runs = await RunStore.open(opened.store);
    const runtime = new AgentRuntime({ kernel: h.kernel, runs });
    runtime.define({ name: 'worker', instructions: 'You are the worker agent.' });
    const result = await runRecursiveTeam({
      kernel: h.kernel,
      store: opened.store,
      goal: 'Sort the files',
      treeId: 'tree-agent',
      executor: agentExecutor({ runtime, agent: 'worker' }),
    });
    expect(result).toMatchObject({ status: 'done', result: 'the worker agent did: Goal: Sort the files' });
    expect(result.nodes[0]).toMatchObject({ role: 'agent:worker' });
    // The agent's usage is charged to the node (and so to the tree's budget).
    expect(result.nodes[0]?.tokens.totalTokens).toBeGreaterThan(0);
    expect(await runs.get('tree-agent:root:1')).toMatchObject({ agent: 'worker', status: 'answer' });
    // runRecursiveTeam kept the tree in the Store's tables.
    const tasks = await SqlTaskTreeStore.open(opened.store);
    expect((await tasks.getTree('tree-agent'))?.tree.status).toBe('done');
  });

  it('lets a tool execute a task as a kernel tool syscall of the node', async () => {
    const lookup = defineTool({
      name: 'lookup',
      description: 'Looks a topic up',
      parameters: z.object({ topic: z.string() }),
      execute: ({ topic }) => `found: ${topic}`,
    });
    const tools: string[] = [];
    const off = h.kernel.on('syscall-finished', ({ syscall }) => {
      if (syscall.type === 'tool') tools.push(`${syscall.operation} ${syscall.agentId}`);
    });
    const team = await runRecursiveTeam({
      kernel: h.kernel,
      store: h.store,
      goal: 'hydra anatomy',
      limits: { maxDepth: 0 },
      executor: toolExecutor({ tool: lookup, args: (task) => ({ topic: task.goal }) }),
      treeId: 'tree-tool',
    });
    off();
    expect(team).toMatchObject({ status: 'done', result: 'found: hydra anatomy' });
    expect(team.nodes[0]).toMatchObject({ role: 'tool:lookup', kind: 'atomic' });
    expect(tools).toEqual(['lookup tree-tool/root#execute']);
  });
});
