import { describe, expect, it } from 'vitest';

import {
  Arbiter,
  ConflictDetector,
  ConflictResolver,
  separationConfidence,
  type Conflict,
  type Contender,
  type Escalation,
  type ResolveOutcome,
  type Resolution,
} from '../../../src/coordination/conflicts/index.js';
import { HydraError } from '../../../src/errors/index.js';

const detector = new ConflictDetector();
const resourceConflict = (...agents: string[]): Conflict => {
  const [conflict] = detector.resources(agents.map((agentId) => ({ agentId, resource: 'gpu:0' })));
  if (!conflict) throw new Error('no conflict');
  return conflict;
};
const bidder = (agentId: string, value: number, urgency = 1): Contender => ({
  agentId,
  bid: { value, quality: 1, urgency },
});
const resolved = (outcome: ResolveOutcome): Resolution => {
  if (outcome.status !== 'resolved') throw new Error(`expected a resolution, got ${outcome.status}`);
  return outcome.resolution;
};
const escalated = (outcome: ResolveOutcome): Escalation => {
  if (outcome.status !== 'escalated') throw new Error(`expected an escalation, got ${outcome.status}`);
  return outcome.escalation;
};
async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return HydraError.isInstance(error) ? error.code : error;
}

describe('ConflictResolver: negotiation', () => {
  it('gives a contested resource to the highest bid and queues the rest by bid', async () => {
    const resolver = new ConflictResolver();
    const resolution = resolved(
      await resolver.resolve(resourceConflict('a', 'b', 'c'), [
        bidder('a', 5),
        bidder('b', 10),
        bidder('c', 7),
      ]),
    );
    expect(resolution).toMatchObject({
      strategy: 'negotiation',
      decidedBy: 'resolver',
      winner: 'b',
      queue: ['c', 'a'],
      compensation: { c: 3.5, a: 2.5 },
    });
  });

  it('applies a loser’s compensation to its next bid, then spends it', async () => {
    const resolver = new ConflictResolver({ compensation: { rate: 0.5 } });
    await resolver.resolve(resourceConflict('a', 'b'), [bidder('a', 10), bidder('b', 8)]);
    expect(resolver.boostOf('b')).toBe(4);
    // Alone, 8 loses to 10.5; with the boost of 4 it wins.
    const next = resolved(
      await resolver.resolve(resourceConflict('b', 'c'), [bidder('b', 8), bidder('c', 10.5)]),
    );
    expect(next.winner).toBe('b');
    expect(resolver.boostOf('b')).toBe(0);
    expect(resolver.boostOf('c')).toBe(5.25);
  });

  it('carries compensation across a restart through compensationState', async () => {
    const first = new ConflictResolver();
    await first.resolve(resourceConflict('a', 'b'), [bidder('a', 10), bidder('b', 8)]);
    const second = new ConflictResolver({ compensationState: first.compensationState() });
    expect(second.boostOf('b')).toBe(4);
  });

  it('rejects contenders that do not match the conflict’s parties', async () => {
    const resolver = new ConflictResolver();
    expect(await codeOf(resolver.resolve(resourceConflict('a', 'b'), [bidder('a', 1), bidder('z', 2)]))).toBe(
      'invalid_input',
    );
    expect(
      await codeOf(resolver.resolve(resourceConflict('a', 'b'), [bidder('a', 1), { agentId: 'b' }])),
    ).toBe('invalid_input');
  });
});

describe('ConflictResolver: arbitration', () => {
  const arbiter = new Arbiter({
    objectives: [
      { name: 'revenue', weight: 2 },
      { name: 'safety', weight: 1 },
    ],
  });

  it('lets the manager allocate by objectives over the bids and queue the others by score', async () => {
    const resolver = new ConflictResolver({ arbiter });
    const resolution = resolved(
      await resolver.resolve(resourceConflict('a', 'b', 'c'), [
        { ...bidder('a', 100), criteria: { revenue: 0.1, safety: 0.2 } },
        { ...bidder('b', 1), criteria: { revenue: 0.9, safety: 0.9 } },
        { ...bidder('c', 50), criteria: { revenue: 0.5, safety: 0.1 } },
      ]),
    );
    expect(resolution).toMatchObject({
      strategy: 'arbitration',
      winner: 'b',
      queue: ['c', 'a'],
      compensation: {},
    });
  });

  it('settles a goal conflict with the winning goal’s desired state', async () => {
    const [conflict] = detector.goals([
      { agentId: 'growth', target: 'flag:beta', desiredState: 'on' },
      { agentId: 'sre', target: 'flag:beta', desiredState: 'off' },
    ]);
    const resolver = new ConflictResolver({ arbiter });
    const resolution = resolved(
      await resolver.resolve(conflict!, [
        { agentId: 'growth', criteria: { revenue: 0.6, safety: 0.1 } },
        { agentId: 'sre', criteria: { revenue: 0.3, safety: 1 } },
      ]),
    );
    expect(resolution).toMatchObject({ type: 'goal', winner: 'sre', value: 'off' });
  });

  it('falls back to negotiation when a contender has no criteria', async () => {
    const resolver = new ConflictResolver({ arbiter });
    const resolution = resolved(
      await resolver.resolve(resourceConflict('a', 'b'), [
        { ...bidder('a', 10), criteria: { revenue: 1 } },
        bidder('b', 1),
      ]),
    );
    expect(resolution.strategy).toBe('negotiation');
  });
});

describe('ConflictResolver: evidence and priorities', () => {
  it('settles contradictory beliefs by the summed confidence behind each value', async () => {
    const [conflict] = detector.information([
      { agentId: 'a', subject: 'user:42', key: 'city', value: 'Paris', confidence: 0.6 },
      { agentId: 'b', subject: 'user:42', key: 'city', value: 'Lyon', confidence: 0.9 },
      { agentId: 'c', subject: 'user:42', key: 'city', value: 'Paris', confidence: 0.7 },
    ]);
    const resolution = resolved(await new ConflictResolver().resolve(conflict!));
    expect(resolution).toMatchObject({
      strategy: 'evidence',
      value: 'Paris',
      winner: 'c',
      queue: ['a', 'b'],
    });
  });

  it('settles two tasks claiming one agent’s top priority by their bids, keyed by task', async () => {
    const [conflict] = detector.priorities([
      { agentId: 'a', taskId: 'report', scope: 'agent:a', priority: 1 },
      { agentId: 'a', taskId: 'hotfix', scope: 'agent:a', priority: 1 },
    ]);
    const resolution = resolved(
      await new ConflictResolver().resolve(conflict!, [
        { agentId: 'a', taskId: 'report', bid: { value: 5, quality: 1, urgency: 1 } },
        { agentId: 'a', taskId: 'hotfix', bid: { value: 5, quality: 1, urgency: 3 } },
      ]),
    );
    expect(resolution).toMatchObject({ type: 'priority', winner: 'hotfix', queue: ['report'] });
  });
});

describe('ConflictResolver: escalation', () => {
  it('escalates a proposal below the default threshold of 0.8 and notifies', async () => {
    const notified: Escalation[] = [];
    const resolver = new ConflictResolver({ onEscalate: (escalation) => void notified.push(escalation) });
    // 10 × urgency 2 = 20 vs 19: confidence ~0.64.
    const escalation = escalated(
      await resolver.resolve(resourceConflict('a', 'b'), [bidder('a', 10, 2), bidder('b', 19)]),
    );
    expect(escalation).toMatchObject({
      status: 'pending',
      urgency: 2,
      proposal: { winner: 'a', queue: ['b'] },
    });
    expect(escalation.confidence).toBeLessThan(0.8);
    expect(notified.map((entry) => entry.id)).toEqual([escalation.id]);
    expect((await resolver.queue.pending()).map((entry) => entry.id)).toEqual([escalation.id]);
    expect(resolver.compensationState()).toEqual({});
  });

  it('does not escalate a proposal exactly at the threshold', async () => {
    const threshold = separationConfidence(10, 9.5, 0.1);
    const resolver = new ConflictResolver({ threshold });
    const outcome = await resolver.resolve(resourceConflict('a', 'b'), [bidder('a', 10), bidder('b', 9.5)]);
    expect(outcome.status).toBe('resolved');
  });

  it('does not escalate a proposal above the default threshold', async () => {
    const resolver = new ConflictResolver();
    // 10 vs 8: confidence ~0.94.
    const outcome = await resolver.resolve(resourceConflict('a', 'b'), [bidder('a', 10), bidder('b', 8)]);
    expect(outcome.status).toBe('resolved');
    expect(await resolver.queue.pending()).toEqual([]);
  });

  it('applies and records a person’s decision, compensating the loser', async () => {
    const seen: Resolution[] = [];
    const resolver = new ConflictResolver({ onResolved: (resolution) => seen.push(resolution) });
    const escalation = escalated(
      await resolver.resolve(resourceConflict('a', 'b'), [bidder('a', 10), bidder('b', 9.5)]),
    );
    const resolution = await resolver.decide(escalation.id, { winner: 'b', decidedBy: 'ops@example.com' });
    expect(resolution).toMatchObject({ decidedBy: 'human', strategy: 'human', winner: 'b', queue: ['a'] });
    expect(resolver.boostOf('a')).toBe(5);
    expect(seen).toEqual([resolution]);
    expect(await resolver.queue.get(escalation.id)).toMatchObject({
      status: 'decided',
      decision: { winner: 'b', decidedBy: 'ops@example.com' },
    });
  });

  it('refuses a second decision and a winner that is not a contender', async () => {
    const resolver = new ConflictResolver();
    const escalation = escalated(
      await resolver.resolve(resourceConflict('a', 'b'), [bidder('a', 10), bidder('b', 9.5)]),
    );
    expect(await codeOf(resolver.decide(escalation.id, { winner: 'z', decidedBy: 'ops' }))).toBe(
      'invalid_input',
    );
    await resolver.decide(escalation.id, { winner: 'a', decidedBy: 'ops' });
    expect(await codeOf(resolver.decide(escalation.id, { winner: 'b', decidedBy: 'ops' }))).toBe('conflict');
    expect(await codeOf(resolver.decide('missing', { winner: 'b', decidedBy: 'ops' }))).toBe('not_found');
  });
});

describe('ConflictResolver: metrics', () => {
  it('counts conflicts by type, autonomous and escalated outcomes, and resolution time', async () => {
    let now = 1_000;
    const clock = (): number => now;
    const resolver = new ConflictResolver({ now: clock, detector: new ConflictDetector({ now: clock }) });
    const results = await resolver.detectAndResolve(
      {
        claims: [
          { agentId: 'a', resource: 'gpu:0' },
          { agentId: 'b', resource: 'gpu:0' },
          { agentId: 'c', resource: 'gpu:1' },
          { agentId: 'd', resource: 'gpu:1' },
        ],
        beliefs: [
          { agentId: 'a', subject: 's', key: 'k', value: 1, confidence: 0.9 },
          { agentId: 'b', subject: 's', key: 'k', value: 2, confidence: 0.1 },
        ],
      },
      (conflict) =>
        conflict.type === 'resource' && conflict.resource === 'gpu:0'
          ? [bidder('a', 10), bidder('b', 2)]
          : [bidder('c', 10), bidder('d', 9.9)],
    );
    expect(results.map((result) => result.status)).toEqual(['resolved', 'escalated', 'resolved']);
    const pending = results[1];
    if (pending?.status !== 'escalated') throw new Error('expected an escalation');
    now = 61_000;
    await resolver.decide(pending.escalation.id, { winner: 'd', decidedBy: 'ops' });
    const metrics = resolver.metrics();
    expect(metrics).toMatchObject({
      detected: { resource: 2, goal: 0, information: 1, priority: 0 },
      resolvedAutonomously: 2,
      escalated: 1,
      decidedByHuman: 1,
      awaitingHuman: 0,
      byStrategy: { negotiation: 1, arbitration: 0, evidence: 1, human: 1 },
      autonomousRate: 2 / 3,
      escalationRate: 1 / 3,
      resolutionMs: { count: 3, max: 60_000, p50: 0, mean: 20_000 },
    });
    expect(resolver.prometheus()).toContain('hydra_conflicts_detected_total{type="resource"} 2');
    expect(resolver.prometheus()).toContain('hydra_conflicts_escalated_total 1');
  });
});
