import { describe, expect, it } from 'vitest';

import { TheoryOfMind } from '../../../src/coordination/conflicts/index.js';

describe('TheoryOfMind', () => {
  it('infers goals and resource habits from observed actions', () => {
    const mind = new TheoryOfMind('me');
    mind.observe({ agentId: 'ops', target: 'flag:beta', state: 'off', at: 1 });
    mind.observe({ agentId: 'ops', target: 'flag:beta', state: 'off', at: 2 });
    mind.observe({ agentId: 'ops', resource: 'gpu:0', at: 3, until: 5 });
    mind.observe({ agentId: 'me', resource: 'gpu:1', at: 3 });
    expect(mind.model('ops')).toMatchObject({
      goals: { 'flag:beta': { state: 'off', evidence: 2 } },
      resourceUse: { 'gpu:0': 1 },
      currentTask: { resource: 'gpu:0', until: 5 },
    });
    expect(mind.model('me')).toBeUndefined();
  });

  it('predicts a goal conflict and asks for coordination when there is no alternative', () => {
    const mind = new TheoryOfMind('me');
    mind.observe({ agentId: 'ops', target: 'flag:beta', state: 'off', at: 1 });
    const decision = mind.decide({ target: 'flag:beta', state: 'on', at: 2 });
    expect(decision).toMatchObject({
      kind: 'coordinate',
      predicted: [{ kind: 'goal', with: 'ops', reason: 'wants flag:beta = off' }],
    });
  });

  it('predicts a resource held by another agent and chooses a free alternative', () => {
    const mind = new TheoryOfMind('me');
    mind.observe({ agentId: 'trainer', resource: 'gpu:0', at: 10, until: 20 });
    const decision = mind.decide({ resource: 'gpu:0', at: 12 }, [
      { resource: 'gpu:0', at: 12 },
      { resource: 'gpu:1', at: 12 },
    ]);
    expect(decision).toMatchObject({
      kind: 'alternative',
      action: { resource: 'gpu:1' },
      avoided: [{ kind: 'resource', with: 'trainer', reason: 'holds gpu:0' }],
    });
  });

  it('predicts that an idle agent constrained to one resource will want it', () => {
    const mind = new TheoryOfMind('me');
    mind.setConstraints('renderer', { resources: ['gpu:1'] });
    expect(mind.predict({ resource: 'gpu:1', at: 0 })).toMatchObject([{ with: 'renderer', likelihood: 1 }]);
    expect(mind.predict({ resource: 'gpu:0', at: 0 })).toEqual([]);
  });

  it('does not predict a conflict once the holder’s task has ended or it is busy elsewhere', () => {
    const mind = new TheoryOfMind('me', { threshold: 0.6 });
    mind.observe({ agentId: 'a', resource: 'gpu:0', at: 0, until: 5 });
    mind.observe({ agentId: 'a', resource: 'gpu:0', at: 5, until: 9 });
    mind.observe({ agentId: 'a', resource: 'gpu:1', at: 9, until: 30 });
    // Busy on gpu:1 until 30: it will not want gpu:0 at 12.
    expect(mind.decide({ resource: 'gpu:0', at: 12 })).toMatchObject({ kind: 'proceed' });
    // Idle at 31, and two thirds of its observed use was gpu:0.
    expect(mind.decide({ resource: 'gpu:0', at: 31 })).toMatchObject({ kind: 'coordinate' });
  });

  it('proceeds when the models predict nothing', () => {
    const mind = new TheoryOfMind('me');
    mind.observe({ agentId: 'ops', target: 'flag:beta', state: 'on', at: 1 });
    expect(mind.decide({ target: 'flag:beta', state: 'on', at: 2 })).toEqual({
      kind: 'proceed',
      action: { target: 'flag:beta', state: 'on', at: 2 },
    });
  });
});
