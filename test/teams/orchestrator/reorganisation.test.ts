import { describe, expect, it } from 'vitest';

import type { MetaOrchestrator } from '../../../src/teams/orchestrator/index.js';
import { classifies, harness } from './setup.js';

const h = harness();

async function enqueueMany(orchestrator: MetaOrchestrator, count: number, domain: string): Promise<void> {
  for (let i = 0; i < count; i++) await orchestrator.enqueue(`${domain} task ${i}`, { domains: [domain] });
}

describe('rule 2: a sub-orchestrator when the queue exceeds maxQueue (default 100)', () => {
  it('spawns none with 100 queued tasks', async () => {
    const { orchestrator } = await h.orchestrator([]);
    await enqueueMany(orchestrator, 60, 'billing');
    await enqueueMany(orchestrator, 40, 'shipping');
    expect(orchestrator.queued()).toHaveLength(100);
    expect(orchestrator.subOrchestrators()).toEqual([]);
    expect(orchestrator.events.list('sub-orchestrator-spawned')).toEqual([]);
  });

  it('spawns one at the 101st, which takes the domain with the most queued tasks', async () => {
    const { orchestrator } = await h.orchestrator([]);
    await enqueueMany(orchestrator, 60, 'billing');
    await enqueueMany(orchestrator, 41, 'shipping');
    const [sub] = orchestrator.subOrchestrators();
    expect(sub?.name).toBe('orchestrator/billing');
    expect(sub?.queued()).toHaveLength(60);
    expect(orchestrator.queued()).toHaveLength(41);
    expect(orchestrator.queued().every((task) => task.domains[0] === 'shipping')).toBe(true);
    expect(orchestrator.events.list('sub-orchestrator-spawned')).toMatchObject([
      {
        orchestrator: 'orchestrator',
        name: 'orchestrator/billing',
        domain: 'billing',
        queueLength: 101,
        moved: 60,
      },
    ]);
  });

  it('sends later tasks of the domain to the sub-orchestrator, and drain runs every queue', async () => {
    const { orchestrator } = await h.orchestrator([], { thresholds: { maxQueue: 3 } });
    await enqueueMany(orchestrator, 1, 'shipping');
    await enqueueMany(orchestrator, 3, 'billing');
    const [sub] = orchestrator.subOrchestrators();
    await orchestrator.enqueue('one more invoice', { domains: ['billing'] });
    await orchestrator.enqueue('one more parcel', { domains: ['shipping'] });
    expect(sub?.queued()).toHaveLength(4);
    expect(orchestrator.queued()).toHaveLength(2);
    const { completed, failed } = await orchestrator.drain();
    expect(failed).toEqual([]);
    expect(completed).toHaveLength(6);
    const byOrchestrator = (name: string) => completed.filter((result) => result.orchestrator === name);
    expect(byOrchestrator('orchestrator/billing').map((result) => result.steps[0]?.agent)).toEqual(
      Array(4).fill('specialist-billing'),
    );
    expect(byOrchestrator('orchestrator').map((result) => result.steps[0]?.agent)).toEqual(
      Array(2).fill('specialist-shipping'),
    );
    expect(orchestrator.collaboration.count('orchestrator/billing', 'specialist-billing')).toBe(4);
    expect(sub?.queued()).toEqual([]);
  });

  it('fires again each time the queue crosses the threshold again, each time for another domain', async () => {
    const { orchestrator } = await h.orchestrator([], { thresholds: { maxQueue: 3 } });
    await enqueueMany(orchestrator, 2, 'billing');
    await enqueueMany(orchestrator, 2, 'shipping'); // 4 > 3: billing (first queued wins the tie) moves out
    await enqueueMany(orchestrator, 2, 'legal'); // back at 2, then 4 > 3 again: shipping moves out
    expect(orchestrator.events.list('sub-orchestrator-spawned').map((event) => event.domain)).toEqual([
      'billing',
      'shipping',
    ]);
    expect(orchestrator.queued().map((task) => task.domains[0])).toEqual(['legal', 'legal']);
  });
});

describe('rule 3: a specialist type when an unknown pattern recurs more than novelPatternRecurrences (default 10) times', () => {
  const rules = [classifies('resize|poem', ['unknown'])];
  const resize = (n: number) => `Resize image ${n} to ${100 + n}px`;

  it('creates none after 10 recurrences, nor counts other patterns with them', async () => {
    const { orchestrator } = await h.orchestrator(rules);
    for (let n = 1; n <= 10; n++) await orchestrator.enqueue(resize(n));
    await orchestrator.enqueue('Write a poem about images');
    expect(orchestrator.events.list('specialist-type-created')).toEqual([]);
    expect(orchestrator.domains()).toEqual(['billing', 'shipping', 'legal']);
    expect(orchestrator.queued().map((task) => task.signature)).toEqual([
      ...Array(10).fill('resize:image'),
      'write:poem+image',
    ]);
    expect(orchestrator.queued().every((task) => task.domains[0] === 'unknown')).toBe(true);
  });

  it('creates one at the 11th recurrence, routes that task and later ones to it, and spawns it on need', async () => {
    const { orchestrator } = await h.orchestrator(rules);
    for (let n = 1; n <= 11; n++) await orchestrator.enqueue(resize(n));
    const created = orchestrator.events.list('specialist-type-created');
    expect(created).toMatchObject([{ domain: 'resize-image', signature: 'resize:image', recurrences: 11 }]);
    expect(created[0]?.template.persona).toMatch(/Resize image 1 to 101px/);
    expect(orchestrator.domains()).toContain('resize-image');
    expect(orchestrator.queued().map((task) => task.domains[0])).toEqual([
      ...Array(10).fill('unknown'),
      'resize-image',
    ]);
    const later = await orchestrator.run('please resize the images 12 and 13');
    expect(later.answer).toBe('pattern specialist did it');
    expect(later.steps[0]?.agent).toBe('specialist-resize-image');
    expect(orchestrator.events.list('specialist-type-created')).toHaveLength(1);
  });

  it('uses designTemplate to write the new type', async () => {
    const { orchestrator } = await h.orchestrator(rules, {
      thresholds: { novelPatternRecurrences: 1 },
      designTemplate: (pattern) => ({
        domain: 'images',
        description: `Image work like ${pattern.examples[0] ?? ''}`,
        persona: 'You are the image specialist.',
      }),
    });
    await orchestrator.enqueue(resize(1));
    await orchestrator.enqueue(resize(2));
    expect(orchestrator.events.list('specialist-type-created')).toMatchObject([
      { domain: 'images', template: { description: 'Image work like Resize image 1 to 101px' } },
    ]);
  });
});

describe('rule 1: merging agents that collaborate in more than mergeShare (default 0.8) of their interactions', () => {
  const options = { thresholds: { mergeMinInteractions: 5 } };
  const both = ['billing', 'shipping'];
  async function goals(orchestrator: MetaOrchestrator, plan: Array<[number, string[]]>): Promise<void> {
    for (const [count, domains] of plan) {
      for (let i = 0; i < count; i++)
        await orchestrator.run(`goal for ${domains.join(' and ')}`, { domains });
    }
  }

  it('does not merge below the minimum interaction count, even at 100%', async () => {
    const { orchestrator } = await h.orchestrator([], options);
    await goals(orchestrator, [[4, both]]);
    expect(orchestrator.collaboration.share('specialist-billing', 'specialist-shipping')).toBe(1);
    expect(orchestrator.teams()).toEqual([]);
    expect(orchestrator.events.list('teams-merged')).toEqual([]);
  });

  it('does not merge at exactly 80%', async () => {
    const { orchestrator } = await h.orchestrator([], options);
    await goals(orchestrator, [
      [4, both],
      [1, ['billing']],
      [1, ['shipping']],
    ]);
    const matrix = orchestrator.collaboration;
    expect(matrix.interactions('specialist-billing')).toBe(5);
    expect(matrix.share('specialist-billing', 'specialist-shipping')).toBe(0.8);
    expect(matrix.share('specialist-shipping', 'specialist-billing')).toBe(0.8);
    expect(orchestrator.teams()).toEqual([]);
  });

  it('merges the two into a team once both are above 80%', async () => {
    const { orchestrator } = await h.orchestrator([], options);
    await goals(orchestrator, [
      [4, both],
      [1, ['billing']],
      [1, ['shipping']],
      [1, both],
    ]);
    expect(orchestrator.teams()).toEqual([
      {
        name: 'team-billing+shipping',
        members: ['specialist-billing', 'specialist-shipping'],
        domains: ['billing', 'shipping'],
      },
    ]);
    expect(orchestrator.events.list('teams-merged')).toMatchObject([
      {
        team: 'team-billing+shipping',
        pair: ['specialist-billing', 'specialist-shipping'],
        collaborations: 5,
        shares: [5 / 6, 5 / 6],
      },
    ]);
  });

  it("sends a task for either member's domain to the whole team after the merge", async () => {
    const { orchestrator } = await h.orchestrator([], { thresholds: { mergeMinInteractions: 2 } });
    await goals(orchestrator, [[2, both]]);
    expect(orchestrator.teams()).toHaveLength(1);
    const result = await orchestrator.run('where is my parcel', { domains: ['shipping'] });
    expect(result.steps.map((step) => step.agent)).toEqual(['specialist-billing', 'specialist-shipping']);
    expect(orchestrator.events.list('teams-merged')).toHaveLength(1);
  });
});
