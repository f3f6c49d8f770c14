import { describe, expect, it } from 'vitest';

import { CrewProgress, formatElapsed } from '../../../src/teams/crew/index.js';

describe('the crew progress renderer', () => {
  it('keeps one line per task with its state, agent and elapsed time', () => {
    let now = 0;
    const progress = new CrewProgress(() => now);
    progress.update({
      type: 'crew-start',
      crew: 'c',
      crewRunId: 'r',
      process: 'hierarchical',
      tasks: [
        { task: 'plan', agent: undefined, context: [] },
        { task: 'write', agent: 'writer', context: ['plan'] },
      ],
    });
    expect(progress.lines()).toEqual(['· plan  waiting      (manager picks)', '· write waiting      writer']);
    expect(progress.update({ type: 'task-start', task: 'plan', agent: undefined })).toBe('plan');
    now = 1_500;
    progress.update({ type: 'task-delegated', task: 'plan', agent: 'planner', instructions: undefined });
    progress.update({
      type: 'task-review',
      task: 'plan',
      agent: 'planner',
      round: 1,
      verdict: 'rework',
      feedback: 'too vague',
    });
    expect(progress.line('plan')).toBe('? plan  reviewing    planner        1.5s  feedback: too vague');
    progress.update({ type: 'task-run', task: 'plan', agent: 'planner', round: 1, runId: 'r.plan.1' });
    expect(progress.line('plan')).toMatch(/^↻ plan {2}rework 1 {5}planner/);
    progress.update({
      type: 'task-done',
      task: 'plan',
      agent: 'planner',
      status: 'accepted',
      elapsedMs: 65_000,
      output: 'ok',
    });
    expect(progress.line('plan')).toBe('✓ plan  accepted     planner        1m05s');
    expect(formatElapsed(420)).toBe('420ms');
  });
});
