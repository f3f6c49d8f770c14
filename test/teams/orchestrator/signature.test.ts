import { describe, expect, it } from 'vitest';

import {
  CollaborationMatrix,
  OrchestratorEventLog,
  patternSignature,
} from '../../../src/teams/orchestrator/index.js';

describe('patternSignature', () => {
  it('is the first verb and the next noun keywords, without openers, stop words, numbers or plurals', () => {
    expect(patternSignature('Resize image 7 to 200px')).toBe('resize:image');
    expect(patternSignature('please resize the images 12 and 13')).toBe('resize:image');
    expect(patternSignature('Can you convert the CSV file report-17 to JSON?')).toBe('convert:csv+file');
    expect(patternSignature('Summarise these policies')).toBe('summarise:policy');
    expect(patternSignature('  42 !! ')).toBe('(empty)');
  });

  it('keeps word order, so reversed tasks differ', () => {
    expect(patternSignature('convert csv to json')).not.toBe(patternSignature('convert json to csv'));
  });

  it('takes as many keywords as asked', () => {
    expect(patternSignature('Translate invoice 42 to French', { keywords: 1 })).toBe('translate:invoice');
    expect(patternSignature('Translate invoice 42 to French', { keywords: 3 })).toBe(
      'translate:invoice+french',
    );
  });
});

describe('CollaborationMatrix', () => {
  it('counts ordered pairs, and interactions as the work each agent received', () => {
    const matrix = new CollaborationMatrix();
    matrix.record('orchestrator', 'a');
    matrix.record('a', 'b');
    matrix.record('orchestrator', 'a');
    expect(matrix.snapshot()).toEqual({
      pairs: [
        { from: 'orchestrator', to: 'a', count: 2 },
        { from: 'a', to: 'b', count: 1 },
      ],
      interactions: { a: 2, b: 1 },
    });
    expect([matrix.share('a', 'b'), matrix.share('b', 'a'), matrix.share('c', 'a')]).toEqual([0.5, 1, 0]);
  });
});

describe('OrchestratorEventLog', () => {
  it('keeps the newest events up to its capacity and survives a failing listener', () => {
    const log = new OrchestratorEventLog({ capacity: 2 });
    const heard: number[] = [];
    log.on(() => {
      throw new Error('listener bug');
    });
    log.on((event) => heard.push(event.seq));
    for (let i = 0; i < 5; i++) log.append('o', { type: 'task-completed', taskId: `t${i}`, agents: [] });
    expect(heard).toEqual([1, 2, 3, 4, 5]);
    expect(log.list().map((event) => event.seq)).toEqual([4, 5]);
  });
});
