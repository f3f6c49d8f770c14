import { describe, expect, it } from 'vitest';

import { UserError } from '../../../src/errors/index.js';
import { MemoryService } from '../../../src/memory/index.js';
import {
  MetaOrchestrator,
  OrchestratorEventLog,
  type OrchestratorEvent,
} from '../../../src/teams/orchestrator/index.js';
import { classifies, harness, TEMPLATES } from './setup.js';

const h = harness();

describe('the meta-orchestrator', () => {
  it('classifies a goal into known domains with the model', async () => {
    const { orchestrator } = await h.orchestrator([classifies('charged twice', ['billing'])]);
    const classification = await orchestrator.classify('I was charged twice for order 7');
    expect(classification).toEqual({ domains: ['billing'], attempts: 1, rejections: [] });
  });

  it('spawns the specialist of a domain on its first task and runs the task on it', async () => {
    const { orchestrator } = await h.orchestrator([classifies('charged twice', ['billing'])]);
    expect(orchestrator.specialists()).toEqual([]);
    const result = await orchestrator.run('I was charged twice for order 7');
    expect(result.answer).toBe('billing did: I was charged twice for order 7');
    expect(result.steps).toMatchObject([
      { agent: 'specialist-billing', domain: 'billing', from: 'orchestrator' },
    ]);
    expect(orchestrator.specialists()).toEqual([{ domain: 'billing', agent: 'specialist-billing' }]);
    expect((await h.runs().get(result.steps[0]?.runId ?? '')).agent).toBe('specialist-billing');
  });

  it('reuses the specialist for the next task of its domain: defined once, same agent', async () => {
    const { orchestrator } = await h.orchestrator([classifies('refund', ['billing'])]);
    const first = await orchestrator.run('refund order 1');
    const second = await orchestrator.run('refund order 2');
    expect(orchestrator.events.list('specialist-spawned')).toHaveLength(1);
    expect(second.steps[0]?.agent).toBe(first.steps[0]?.agent);
    expect((await h.runs().get(second.steps[0]?.runId ?? '')).agent).toBe('specialist-billing');
  });

  it('spawns a specialist once when two first tasks of its domain arrive together', async () => {
    const { orchestrator } = await h.orchestrator([classifies('refund', ['billing'])]);
    await Promise.all([orchestrator.run('refund order 1'), orchestrator.run('refund order 2')]);
    expect(orchestrator.events.list('specialist-spawned')).toHaveLength(1);
  });

  it('passes a multi-domain goal through its specialists in order and records who handed work to whom', async () => {
    const { orchestrator } = await h.orchestrator([classifies('damaged', ['shipping', 'billing'])]);
    const result = await orchestrator.run('parcel arrived damaged, refund me');
    expect(result.steps.map((step) => [step.from, step.agent])).toEqual([
      ['orchestrator', 'specialist-shipping'],
      ['specialist-shipping', 'specialist-billing'],
    ]);
    // The second specialist got the first one's answer with the task.
    expect(result.answer).toMatch(
      /^billing did: parcel arrived damaged.*\n[\s\S]*\[shipping\] shipping did:/,
    );
    const matrix = orchestrator.collaboration;
    expect(matrix.count('orchestrator', 'specialist-shipping')).toBe(1);
    expect(matrix.count('specialist-shipping', 'specialist-billing')).toBe(1);
    expect(matrix.count('specialist-billing', 'specialist-shipping')).toBe(0);
    expect(matrix.interactions('specialist-billing')).toBe(1);
  });

  it("gives a specialist persistent memory holding its template's blocks", async () => {
    const memory = await MemoryService.open(h.store());
    const templates = [
      {
        ...TEMPLATES[0]!,
        memoryBlocks: [{ label: 'policies', value: 'Refunds within 30 days only.', limit: 500 }],
      },
    ];
    const { orchestrator } = await h.orchestrator(
      [
        classifies('refund', ['billing']),
        { match: { system: 'Refunds within 30 days only' }, reply: { text: 'refund allowed by policy' } },
      ],
      { memory, templates, agentPrefix: 'mem' },
    );
    const result = await orchestrator.run('refund order 9, bought 10 days ago');
    // The specialist saw its block in its prompt (the rule above matched on it).
    expect(result.answer).toBe('refund allowed by policy');
    const [specialist] = orchestrator.specialists();
    expect(specialist?.memoryAgentId).toBeDefined();
    const blocks = await memory.blocks(specialist?.memoryAgentId ?? '');
    expect(blocks).toMatchObject([{ label: 'policies', value: 'Refunds within 30 days only.', limit: 500 }]);
    // Its messages went to its recall memory, so it keeps them for later tasks.
    expect(await memory.recallCount(specialist?.memoryAgentId ?? '')).toBe(2);
  });

  it("reuses a specialist's memory agent from an earlier orchestrator on the same store", async () => {
    const memory = await MemoryService.open(h.store());
    const rules = [classifies('refund', ['billing'])];
    const first = await h.orchestrator(rules, { memory, agentPrefix: 'again' });
    await first.orchestrator.run('refund order 1');
    const second = await h.orchestrator(rules, { memory, agentPrefix: 'again' });
    await second.orchestrator.run('refund order 2');
    expect(second.orchestrator.specialists()[0]?.memoryAgentId).toBe(
      first.orchestrator.specialists()[0]?.memoryAgentId,
    );
    expect((await memory.listAgents()).filter((agent) => agent.name === 'again-billing')).toHaveLength(1);
  });

  it('asks the classifier again when its answer names a domain that does not exist', async () => {
    const { orchestrator, sim } = await h.orchestrator([
      classifies('invoice', ['accounting'], 1),
      {
        match: { system: 'Classify the goal', lastUser: 'rejected' },
        reply: { text: '{"domains":["billing"]}' },
      },
    ]);
    const result = await orchestrator.run('send me the invoice again');
    expect(result.steps[0]?.agent).toBe('specialist-billing');
    const [classified] = orchestrator.events.list('classified');
    expect(classified).toMatchObject({ domains: ['billing'], attempts: 2 });
    expect(classified?.rejections[0]).toMatch(
      /"accounting" is not a known domain; use only: billing, shipping, legal/,
    );
    expect(sim.stats().requests.byEndpoint.chatCompletions).toBe(3);
  });

  it('asks the classifier again when its answer is not JSON of the expected shape', async () => {
    const { orchestrator } = await h.orchestrator([
      { match: { system: 'Classify the goal', lastUser: 'contract' }, reply: { text: 'legal, I think' } },
      {
        match: { system: 'Classify the goal', lastUser: 'not valid JSON' },
        reply: { text: '{"domain":"legal"}' },
      },
      {
        match: { system: 'Classify the goal', lastUser: 'does not match the expected shape' },
        reply: { text: '```json\n{"domains":["legal"]}\n```' },
      },
    ]);
    const classification = await orchestrator.classify('review this contract');
    expect(classification.domains).toEqual(['legal']);
    expect(classification.attempts).toBe(3);
    expect(classification.rejections[0]).toMatch(/not valid JSON/);
    expect(classification.rejections[1]).toMatch(/domains: /);
  });

  it('fails with a UserError when the classifier never gives a valid answer', async () => {
    const { orchestrator } = await h.orchestrator([classifies('', ['astrology'])]);
    await expect(orchestrator.run('what does my horoscope say')).rejects.toBeInstanceOf(UserError);
    expect(orchestrator.specialists()).toEqual([]);
  });

  it('keeps `unknown` only when no known domain was named, and runs such tasks on the generalist', async () => {
    const { orchestrator } = await h.orchestrator([classifies('poem', ['unknown', 'legal', 'legal'])]);
    expect((await orchestrator.classify('a poem about contracts')).domains).toEqual(['legal']);
    const result = await orchestrator.run('tell me a joke', { domains: ['unknown'] });
    expect(result.steps[0]?.agent).toBe('specialist-generalist');
  });

  it('logs its work as typed events, to listeners and to the log', async () => {
    const events = new OrchestratorEventLog();
    const { orchestrator } = await h.orchestrator([classifies('refund', ['billing'])], { events });
    const heard: OrchestratorEvent[] = [];
    const stop = orchestrator.on((event) => heard.push(event));
    await orchestrator.run('refund order 3');
    stop();
    await orchestrator.run('refund order 4');
    expect(heard.map((event) => event.type)).toEqual([
      'classified',
      'specialist-spawned',
      'handoff',
      'task-completed',
    ]);
    expect(events.list().map((event) => event.type)).toEqual([
      ...heard.map((event) => event.type),
      'classified',
      'handoff',
      'task-completed',
    ]);
    expect(events.list().map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.list('handoff')[0]).toMatchObject({
      orchestrator: 'orchestrator',
      from: 'orchestrator',
      to: 'specialist-billing',
      domain: 'billing',
    });
  });

  it('drains the queue in order, reporting a failed task and running the others', async () => {
    const templates = [...TEMPLATES.slice(0, 2), { ...TEMPLATES[2]!, tools: ['no_such_tool'] }];
    const { orchestrator } = await h.orchestrator([], { templates });
    await orchestrator.enqueue('refund order 5', { domains: ['billing'] });
    await orchestrator.enqueue('review the contract', { domains: ['legal'] });
    await orchestrator.enqueue('track parcel 6', { domains: ['shipping'] });
    const { completed, failed } = await orchestrator.drain();
    expect(completed.map((result) => result.answer)).toEqual([
      'billing did: refund order 5',
      'shipping did: track parcel 6',
    ]);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error).toBeInstanceOf(UserError);
    expect(String(failed[0]?.error)).toMatch(/unknown tool "no_such_tool"/);
    expect(orchestrator.queued()).toEqual([]);
  });

  it('leaves queued tasks queued when the drain is aborted', async () => {
    const { orchestrator } = await h.orchestrator([]);
    await orchestrator.enqueue('refund order 5', { domains: ['billing'] });
    const { completed, failed } = await orchestrator.drain({ signal: AbortSignal.abort() });
    expect([completed, failed]).toEqual([[], []]);
    expect(orchestrator.queued()).toHaveLength(1);
  });

  it('rejects invalid templates and unknown task domains with a UserError', async () => {
    const { runtime } = await h.orchestrator([]);
    const { provider } = await h.model([]);
    const make = (domain: string) =>
      new MetaOrchestrator({ runtime, provider, templates: [{ domain, description: 'd', persona: 'p' }] });
    expect(() => make('Unknown Domain')).toThrow(UserError);
    expect(() => make('unknown')).toThrow(/reserved/);
    expect(() => make('generalist')).toThrow(/reserved/);
    await expect(make('ok').run('x', { domains: ['nope'] })).rejects.toThrow(/Unknown domain\(s\) nope/);
  });
});
