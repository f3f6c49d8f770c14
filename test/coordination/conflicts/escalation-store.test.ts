import { describe, expect, it } from 'vitest';

import {
  ConflictDetector,
  ConflictResolver,
  SqlEscalationQueue,
  type Escalation,
} from '../../../src/coordination/conflicts/index.js';
import { HydraError } from '../../../src/errors/index.js';
import { TEST_STORES } from '../../memory/stores.js';

const [conflict] = new ConflictDetector().resources([
  { agentId: 'a', resource: 'gpu:0' },
  { agentId: 'b', resource: 'gpu:0' },
]);
if (!conflict) throw new Error('no conflict');
const contenders = [
  { agentId: 'a', bid: { value: 10, quality: 1, urgency: 1 } },
  { agentId: 'b', bid: { value: 9.5, quality: 1, urgency: 1 } },
];

describe.each(TEST_STORES)('SqlEscalationQueue on $name', (testStore) => {
  it('keeps a pending escalation across a restart, then records the decision', async () => {
    const opened = await testStore.open();
    try {
      const notified: Escalation[] = [];
      const first = new ConflictResolver({
        queue: await SqlEscalationQueue.open(opened.store),
        onEscalate: (escalation) => void notified.push(escalation),
      });
      const outcome = await first.resolve(conflict, contenders, { urgency: 3 });
      if (outcome.status !== 'escalated') throw new Error('expected an escalation');
      expect(notified).toHaveLength(1);

      const resolver = new ConflictResolver({ queue: await SqlEscalationQueue.open(await opened.reopen()) });
      const [pending, ...others] = await resolver.queue.pending();
      expect(others).toEqual([]);
      expect(pending).toMatchObject({
        id: outcome.escalation.id,
        status: 'pending',
        urgency: 3,
        conflict: { id: conflict.id, type: 'resource', parties: ['a', 'b'] },
        proposal: { strategy: 'negotiation', winner: 'a', queue: ['b'] },
      });
      expect(pending?.confidence).toBeCloseTo(outcome.escalation.confidence, 12);

      const resolution = await resolver.decide(outcome.escalation.id, {
        winner: 'b',
        decidedBy: 'ops',
        note: 'b is on call',
      });
      expect(resolution).toMatchObject({ decidedBy: 'human', winner: 'b', queue: ['a'] });

      const after = await SqlEscalationQueue.open(await opened.reopen());
      expect(await after.pending()).toEqual([]);
      const decided = await after.get(outcome.escalation.id);
      expect(decided).toMatchObject({
        status: 'decided',
        decision: { winner: 'b', decidedBy: 'ops', note: 'b is on call' },
      });
      expect(decided.decidedAt).toBeInstanceOf(Date);
    } finally {
      await opened.dispose();
    }
  });

  it('returns pending escalations most urgent first and refuses a second decision', async () => {
    const opened = await testStore.open();
    try {
      const queue = await SqlEscalationQueue.open(opened.store);
      const proposal = {
        strategy: 'negotiation' as const,
        winner: 'a',
        queue: ['b'],
        scores: {},
        confidence: 0.6,
      };
      const low = await queue.enqueue({ conflict, proposal, confidence: 0.6, urgency: 1 });
      const high = await queue.enqueue({ conflict, proposal, confidence: 0.6, urgency: 5 });
      expect((await queue.pending()).map((entry) => entry.id)).toEqual([high.id, low.id]);
      await queue.decide(high.id, { winner: 'a', decidedBy: 'ops' });
      const second = await queue
        .decide(high.id, { winner: 'b', decidedBy: 'ops' })
        .catch((error: unknown) => error);
      expect(HydraError.isInstance(second) && second.code).toBe('conflict');
      const missing = await queue.get('nope').catch((error: unknown) => error);
      expect(HydraError.isInstance(missing) && missing.code).toBe('not_found');
    } finally {
      await opened.dispose();
    }
  });
});
