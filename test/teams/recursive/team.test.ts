import { afterEach, describe, expect, it } from 'vitest';

import { SqlTaskTreeStore, type TaskTreeEvent } from '../../../src/teams/recursive/index.js';
import { TEST_STORES } from '../../memory/stores.js';
import { ATOMIC_BY_DEFAULT, byId, composite, harness, json, plan, role, type Harness } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('recursive team: atomize, plan, execute, aggregate', () => {
  it('splits a composite goal into a DAG, runs the subtasks with their dependencies’ results, aggregates, and persists every node', async () => {
    const [embedded] = TEST_STORES;
    if (!embedded) throw new Error('no test store');
    const opened = await embedded.open();
    try {
      h = await harness(
        {
          rules: [
            composite('Write a report on hydras'),
            ATOMIC_BY_DEFAULT,
            plan('Write a report on hydras', [
              { id: 'research', goal: 'Research hydra biology' },
              { id: 'myths', goal: 'Collect hydra myths' },
              { id: 'draft', goal: 'Draft the report', dependsOn: ['research', 'myths'] },
            ]),
            {
              match: { system: role.executor, lastUser: '^Goal: Research' },
              reply: { text: 'they regenerate' },
            },
            {
              match: { system: role.executor, lastUser: '^Goal: Collect' },
              reply: { text: 'Lernaean hydra' },
            },
            {
              // The draft sees both results it depends on.
              match: {
                system: role.executor,
                lastUser:
                  '^Goal: Draft[\\s\\S]*research .* done: they regenerate[\\s\\S]*myths .* done: Lernaean',
              },
              reply: { text: 'draft: regenerating Lernaean hydras' },
            },
            {
              match: {
                system: role.aggregator,
                lastUser: '^Goal: Write a report[\\s\\S]*draft .* done: draft:',
              },
              reply: { text: 'REPORT: regenerating Lernaean hydras' },
            },
          ],
        },
        { store: await SqlTaskTreeStore.open(opened.store) },
      );
      const result = await h.team.run('Write a report on hydras');
      expect(result).toMatchObject({
        status: 'done',
        result: 'REPORT: regenerating Lernaean hydras',
        error: null,
      });
      const nodes = byId(result);
      expect(nodes['root']).toMatchObject({ kind: 'composite', status: 'done', role: 'planner+aggregator' });
      expect(nodes['root/draft']).toMatchObject({
        kind: 'atomic',
        status: 'done',
        role: 'llm',
        parentId: 'root',
        depth: 1,
        dependsOn: ['root/research', 'root/myths'],
        result: 'draft: regenerating Lernaean hydras',
        attempts: 1,
      });
      expect(result.usage.totalTokens).toBeGreaterThan(0);
      expect(result.nodes.every((node) => node.tokens.totalTokens > 0 && node.finishedAt !== null)).toBe(
        true,
      );
      // One atomizer call per node, one plan, one execution per leaf, one aggregation.
      expect(h.callsOf('atomize').sort()).toEqual(['root', 'root/draft', 'root/myths', 'root/research']);
      expect(h.callsOf('plan')).toEqual(['root']);
      expect(h.callsOf('execute')).toHaveLength(3);
      expect(h.callsOf('aggregate')).toEqual(['root']);
      // What the store holds is what the run returned.
      const stored = await h.store.getTree(result.treeId);
      expect(stored?.tree).toMatchObject({ status: 'done', result: 'REPORT: regenerating Lernaean hydras' });
      expect(stored?.nodes.map((node) => [node.id, node.status, node.result]).sort()).toEqual(
        result.nodes.map((node) => [node.id, node.status, node.result]).sort(),
      );
    } finally {
      await h?.close();
      h = undefined;
      await opened.dispose();
    }
  });

  it('streams events in order: tree-started, node lifecycle, tree-finished last', async () => {
    h = await harness({
      rules: [composite('Plan a trip'), ATOMIC_BY_DEFAULT, plan('Plan a trip', [{ id: 'a', goal: 'Book' }])],
    });
    const mine: TaskTreeEvent[] = [];
    const result = await h.team.run('Plan a trip', { onEvent: (event) => mine.push(event) });
    const seen = mine.map((event) => `${event.type}${'node' in event ? ` ${event.node.id}` : ''}`);
    expect(seen).toEqual([
      'tree-started',
      'node-started root',
      'node-atomized root',
      'node-planned root',
      'node-started root/a',
      'node-atomized root/a',
      'node-finished root/a',
      'node-finished root',
      'tree-finished',
    ]);
    expect(h.events).toEqual(mine); // team.on listeners get the same events
    expect(mine.at(-1)).toMatchObject({ type: 'tree-finished', tree: { id: result.treeId, status: 'done' } });
  });

  it('runs a goal the atomizer calls atomic with one execution and no plan', async () => {
    h = await harness({
      rules: [ATOMIC_BY_DEFAULT, { match: { system: role.executor }, reply: { text: '42' } }],
    });
    const result = await h.team.run('What is six times seven?');
    expect(result).toMatchObject({ status: 'done', result: '42' });
    expect(result.nodes).toHaveLength(1);
    expect(h.callsOf('plan')).toEqual([]);
  });
});

describe('recursive team: plan validation', () => {
  it('sends a plan with a cycle back to the planner and accepts the corrected one', async () => {
    h = await harness({
      rules: [
        composite('Ship it'),
        ATOMIC_BY_DEFAULT,
        plan(
          'Ship it',
          [
            { id: 'a', goal: 'Build', dependsOn: ['b'] },
            { id: 'b', goal: 'Test', dependsOn: ['a'] },
          ],
          1,
        ),
        {
          match: {
            system: role.planner,
            lastUser: 'rejected: the dependencies form a cycle \\(a -> b -> a\\)',
          },
          reply: json({
            subtasks: [
              { id: 'a', goal: 'Build' },
              { id: 'b', goal: 'Test', dependsOn: ['a'] },
            ],
          }),
        },
      ],
    });
    const result = await h.team.run('Ship it');
    expect(result.status).toBe('done');
    expect(byId(result)['root/b']?.dependsOn).toEqual(['root/a']);
    expect(h.callsOf('plan')).toEqual(['root', 'root']);
    const planned = h.events.find((event) => event.type === 'node-planned');
    expect(planned?.type === 'node-planned' && planned.rejections).toEqual([
      'the dependencies form a cycle (a -> b -> a); the plan must be acyclic.',
    ]);
  });

  it('sends a plan with an unknown dependency back to the planner and accepts the corrected one', async () => {
    h = await harness({
      rules: [
        composite('Ship it'),
        ATOMIC_BY_DEFAULT,
        plan('Ship it', [{ id: 'a', goal: 'Build', dependsOn: ['design'] }], 1),
        {
          match: {
            system: role.planner,
            lastUser: 'rejected: subtask "a" depends on "design", which is not',
          },
          reply: json({ subtasks: [{ id: 'a', goal: 'Build' }] }),
        },
      ],
    });
    const result = await h.team.run('Ship it');
    expect(result.status).toBe('done');
    expect(byId(result)['root/a']?.dependsOn).toEqual([]);
    expect(h.callsOf('plan')).toHaveLength(2);
  });

  it('refuses a planner that keeps answering invalid plans after answerAttempts, failing the node with the reasons', async () => {
    h = await harness(
      {
        rules: [
          composite('Ship it'),
          {
            match: { system: role.planner },
            reply: json({ subtasks: [{ id: 'a', goal: 'Build', dependsOn: ['a'] }] }),
          },
        ],
      },
      { team: { limits: { answerAttempts: 3, maxAttempts: 1 } } },
    );
    const result = await h.team.run('Ship it');
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ reason: 'error', code: 'invalid_input' });
    expect(result.error?.message).toMatch(/no acceptable answer in 3 attempts.*depends on itself/);
    expect(h.callsOf('plan')).toEqual(['root', 'root', 'root']);
    expect(result.nodes).toHaveLength(1); // nothing of the refused plans was created
  });
});
