import { describe, expect, it } from 'vitest';

import { ConflictDetector } from '../../../src/coordination/conflicts/index.js';
import { HydraError } from '../../../src/errors/index.js';

const counter = (): (() => string) => {
  let n = 0;
  return () => `c${++n}`;
};
const detector = (): ConflictDetector => new ConflictDetector({ ids: counter(), now: () => 1_000 });

describe('ConflictDetector', () => {
  it('finds two agents claiming one exclusive resource', () => {
    const [conflict, ...rest] = detector().resources([
      { agentId: 'b', resource: 'gpu:0' },
      { agentId: 'a', resource: 'gpu:0', taskId: 't1' },
      { agentId: 'c', resource: 'gpu:1' },
    ]);
    expect(rest).toEqual([]);
    expect(conflict).toMatchObject({
      type: 'resource',
      id: 'c1',
      key: 'resource:gpu:0:a,b',
      parties: ['a', 'b'],
      resource: 'gpu:0',
      detectedAt: 1_000,
    });
  });

  it('ignores shared claims and one agent claiming a resource twice', () => {
    const conflicts = detector().resources([
      { agentId: 'a', resource: 'file:/r', exclusive: false },
      { agentId: 'b', resource: 'file:/r', exclusive: false },
      { agentId: 'c', resource: 'tool:browser' },
      { agentId: 'c', resource: 'tool:browser' },
    ]);
    expect(conflicts).toEqual([]);
  });

  it('finds an exclusive claim against a shared one', () => {
    const conflicts = detector().resources([
      { agentId: 'a', resource: 'file:/r', exclusive: false },
      { agentId: 'b', resource: 'file:/r' },
    ]);
    expect(conflicts.map((conflict) => conflict.parties)).toEqual([['a', 'b']]);
  });

  it('finds goals with opposite desired states for one target', () => {
    const conflicts = detector().goals([
      { agentId: 'a', target: 'flag:beta', desiredState: 'on' },
      { agentId: 'b', target: 'flag:beta', desiredState: 'off' },
      { agentId: 'c', target: 'flag:beta', desiredState: 'on' },
      { agentId: 'd', target: 'flag:gamma', desiredState: 'on' },
    ]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ type: 'goal', target: 'flag:beta', parties: ['a', 'b', 'c'] });
  });

  it('does not report agents agreeing on a goal', () => {
    const conflicts = detector().goals([
      { agentId: 'a', target: 'flag:beta', desiredState: 'on' },
      { agentId: 'b', target: 'flag:beta', desiredState: 'on' },
    ]);
    expect(conflicts).toEqual([]);
  });

  it('finds contradictory beliefs and treats key order in values as equal', () => {
    const conflicts = detector().information([
      { agentId: 'a', subject: 'user:42', key: 'city', value: 'Paris' },
      { agentId: 'b', subject: 'user:42', key: 'city', value: 'Lyon' },
      { agentId: 'a', subject: 'user:42', key: 'prefs', value: { x: 1, y: 2 } },
      { agentId: 'b', subject: 'user:42', key: 'prefs', value: { y: 2, x: 1 } },
    ]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ type: 'information', subject: 'user:42', beliefKey: 'city' });
  });

  it('finds two tasks sharing the top priority of one scope, not ties below the top', () => {
    const conflicts = detector().priorities([
      { agentId: 'a', taskId: 't1', scope: 'agent:a', priority: 9 },
      { agentId: 'a', taskId: 't2', scope: 'agent:a', priority: 9 },
      { agentId: 'b', taskId: 't3', scope: 'gpu:0', priority: 9 },
      { agentId: 'c', taskId: 't4', scope: 'gpu:0', priority: 5 },
      { agentId: 'd', taskId: 't5', scope: 'gpu:0', priority: 5 },
    ]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ type: 'priority', scope: 'agent:a', priority: 9, parties: ['a'] });
  });

  it('detects every kind in one snapshot with deterministic keys', () => {
    const snapshot = {
      claims: [
        { agentId: 'a', resource: 'gpu:0' },
        { agentId: 'b', resource: 'gpu:0' },
      ],
      goals: [
        { agentId: 'a', target: 't', desiredState: 'on' },
        { agentId: 'b', target: 't', desiredState: 'off' },
      ],
    };
    const first = detector().detect(snapshot);
    const second = new ConflictDetector().detect(snapshot);
    expect(first.map((conflict) => conflict.type)).toEqual(['resource', 'goal']);
    expect(second.map((conflict) => conflict.key)).toEqual(first.map((conflict) => conflict.key));
  });

  it('rejects a claim without a resource name', () => {
    let error: unknown;
    try {
      detector().resources([{ agentId: 'a', resource: '' }]);
    } catch (caught) {
      error = caught;
    }
    expect(HydraError.isInstance(error) && error.code).toBe('invalid_input');
  });
});
