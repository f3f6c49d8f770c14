import { afterEach, describe, expect, it } from 'vitest';

import { UserError } from '../../../src/errors/index.js';
import { llmExecutor, type TaskExecutor } from '../../../src/teams/recursive/index.js';
import { ATOMIC_BY_DEFAULT, byId, composite, harness, json, plan, role, type Harness } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('recursive team: limits', () => {
  it('forces nodes at maxDepth to be atomic without asking the atomizer', async () => {
    h = await harness(
      {
        rules: [
          { match: { system: role.atomizer }, reply: json({ atomic: false }) }, // always "split it"
          {
            match: { system: role.planner },
            reply: json({
              subtasks: [
                { id: 'x', goal: 'part x' },
                { id: 'y', goal: 'part y' },
              ],
            }),
          },
        ],
      },
      { team: { limits: { maxDepth: 2 } } },
    );
    const result = await h.team.run('Everything');
    expect(result.status).toBe('done');
    expect(Math.max(...result.nodes.map((node) => node.depth))).toBe(2);
    expect(result.nodes).toHaveLength(1 + 2 + 4);
    const leaves = result.nodes.filter((node) => node.depth === 2);
    expect(leaves.every((node) => node.kind === 'atomic' && node.status === 'done')).toBe(true);
    expect(h.callsOf('atomize').sort()).toEqual(['root', 'root/x', 'root/y']);
    const forced = h.events.filter((event) => event.type === 'node-atomized' && event.forced);
    expect(forced).toHaveLength(4);
  });

  it('sends a plan with more than maxSubtasks back, and runs the one that fits', async () => {
    h = await harness(
      {
        rules: [
          composite('Big job'),
          ATOMIC_BY_DEFAULT,
          plan(
            'Big job',
            ['a', 'b', 'c'].map((id) => ({ id, goal: `step ${id}` })),
          ),
          {
            match: {
              system: role.planner,
              lastUser: 'rejected: the plan has 3 subtasks; at most 2 are allowed',
            },
            reply: json({
              subtasks: [
                { id: 'ab', goal: 'steps a and b' },
                { id: 'c', goal: 'step c' },
              ],
            }),
          },
        ],
      },
      { team: { limits: { maxSubtasks: 2 } } },
    );
    const result = await h.team.run('Big job');
    expect(result.status).toBe('done');
    expect(result.nodes.filter((node) => node.parentId === 'root').map((node) => node.id)).toEqual([
      'root/ab',
      'root/c',
    ]);
  });

  it('stops starting model calls once the token budget is spent: later nodes skipped, the tree fails with reason budget', async () => {
    h = await harness(
      {
        rules: [
          composite('Long job'),
          ATOMIC_BY_DEFAULT,
          plan('Long job', [
            { id: 'a', goal: 'first' },
            { id: 'b', goal: 'second', dependsOn: ['a'] },
            { id: 'c', goal: 'third', dependsOn: ['b'] },
          ]),
          // An expensive execution: 1 000 completion tokens reported.
          { match: { system: role.executor }, reply: { text: 'done', completionTokens: 1000 } },
        ],
      },
      { team: { limits: { maxTokens: 1000 } } },
    );
    const result = await h.team.run('Long job');
    const nodes = byId(result);
    expect(nodes['root/a']).toMatchObject({ status: 'done' });
    expect(nodes['root/b']).toMatchObject({ status: 'skipped', error: { reason: 'budget' }, attempts: 0 });
    expect(nodes['root/c']).toMatchObject({ status: 'skipped', error: { reason: 'budget' } });
    expect(nodes['root']).toMatchObject({ status: 'failed', error: { reason: 'budget' } });
    expect(result).toMatchObject({ status: 'failed', error: { reason: 'budget' } });
    // atomize root, plan root, atomize a, execute a; then nothing more was sent.
    expect(h.sim.stats().requests.byEndpoint.chatCompletions).toBe(4);
    expect(h.calls).toHaveLength(4);
  });
});

describe('recursive team: parallelism', () => {
  it('runs independent subtasks concurrently through the kernel and a dependent one after them', async () => {
    h = await harness(
      {
        latency: { firstByteMs: 150 },
        rules: [
          composite('Survey'),
          ATOMIC_BY_DEFAULT,
          plan('Survey', [
            { id: 'a', goal: 'north' },
            { id: 'b', goal: 'south' },
            { id: 'c', goal: 'east' },
            { id: 'sum', goal: 'summary', dependsOn: ['a', 'b', 'c'] },
          ]),
        ],
      },
      { slots: 4 },
    );
    const result = await h.team.run('Survey');
    expect(result.status).toBe('done');
    expect(h.maxRunning()).toBeGreaterThanOrEqual(3); // kernel: three llm syscalls in flight at once
    expect(h.sim.stats().maxConcurrent).toBeGreaterThanOrEqual(3); // and the model saw them at once
    const nodes = byId(result);
    const independent = ['root/a', 'root/b', 'root/c'].map((id) => nodes[id]);
    const lastStart = Math.max(...independent.map((node) => node?.startedAt?.getTime() ?? Infinity));
    const firstEnd = Math.min(...independent.map((node) => node?.finishedAt?.getTime() ?? 0));
    expect(lastStart).toBeLessThan(firstEnd); // all three were running together
    const after = Math.max(...independent.map((node) => node?.finishedAt?.getTime() ?? Infinity));
    expect(nodes['root/sum']?.startedAt?.getTime()).toBeGreaterThanOrEqual(after);
  });
});

describe('recursive team: failures', () => {
  const flakyOnce = (): { executor: TaskExecutor; tries: Map<string, number> } => {
    const tries = new Map<string, number>();
    const llm = llmExecutor();
    return {
      tries,
      executor: async (task, context) => {
        const n = (tries.get(task.goal) ?? 0) + 1;
        tries.set(task.goal, n);
        if (task.goal === 'flaky' && n === 1) throw new UserError('invalid_input', 'flaky the first time');
        if (task.goal === 'broken') throw new UserError('invalid_input', 'boom: the source is offline');
        return llm(task, context);
      },
    };
  };

  it('retries a failing leaf and records the attempts', async () => {
    const { executor, tries } = flakyOnce();
    h = await harness(
      { rules: [ATOMIC_BY_DEFAULT, { match: { system: role.executor }, reply: { text: 'fine now' } }] },
      { team: { executor } },
    );
    const result = await h.team.run('flaky');
    expect(result).toMatchObject({ status: 'done', result: 'fine now' });
    expect(result.nodes[0]).toMatchObject({ attempts: 2, error: null });
    expect(tries.get('flaky')).toBe(2);
    expect(h.events.filter((event) => event.type === 'node-retry')).toHaveLength(1);
  });

  it('reports a leaf that fails every attempt to the aggregator, which works around it', async () => {
    const { executor, tries } = flakyOnce();
    h = await harness(
      {
        rules: [
          composite('Report'),
          ATOMIC_BY_DEFAULT,
          plan('Report', [
            { id: 'ok', goal: 'fine part' },
            { id: 'bad', goal: 'broken' },
          ]),
          { match: { system: role.executor }, reply: { text: 'fine result' } },
          {
            match: {
              system: role.aggregator,
              lastUser:
                'subtask ok .* done: fine result[\\s\\S]*subtask bad \\(broken\\) failed: boom: the source is offline',
            },
            reply: { text: 'partial report: fine result (the broken part is missing: source offline)' },
          },
        ],
      },
      { team: { executor, limits: { maxAttempts: 3 } } },
    );
    const result = await h.team.run('Report');
    expect(tries.get('broken')).toBe(3);
    expect(byId(result)['root/bad']).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { reason: 'error', message: 'boom: the source is offline', code: 'invalid_input' },
    });
    expect(result).toMatchObject({
      status: 'done',
      result: 'partial report: fine result (the broken part is missing: source offline)',
    });
  });

  it('counts a model failing every call (injected 500s, escalated by the kernel) as a failed attempt, retried then reported', async () => {
    h = await harness(
      {
        rules: [
          composite('Report'),
          ATOMIC_BY_DEFAULT,
          plan('Report', [{ id: 'down', goal: 'needs the model' }]),
          { match: { system: role.executor }, reply: { fault: '500' } },
          {
            match: { system: role.aggregator, lastUser: 'subtask down \\(needs the model\\) failed: ' },
            reply: { text: 'nothing could be done' },
          },
        ],
      },
      { kernel: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } } },
    );
    const result = await h.team.run('Report');
    expect(byId(result)['root/down']).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'escalated' },
    });
    expect(h.sim.stats().faults['500']).toBe(4); // 2 node attempts × 2 kernel attempts
    expect(result).toMatchObject({ status: 'done', result: 'nothing could be done' });
  });
});
