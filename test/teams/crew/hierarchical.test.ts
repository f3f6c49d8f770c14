import { describe, expect, it } from 'vitest';

import type { SimRule } from '../../../src/testing/index.js';
import { runCrew, type CrewEvent, type CrewInput } from '../../../src/teams/crew/index.js';
import { crewWorld } from './setup.js';

const world = crewWorld();

const json = (value: unknown): SimRule['reply'] => ({ text: JSON.stringify(value) });
const accept: SimRule = { match: { lastUser: '^Review task' }, reply: json({ verdict: 'accept' }) };

function reportCrew(name: string, maxReworkRounds: number): CrewInput {
  return {
    name,
    process: 'hierarchical',
    maxReworkRounds,
    agents: [
      { name: 'analyst', role: 'Analyst', goal: 'Report on numbers', backstory: 'Loves spreadsheets.' },
    ],
    tasks: [
      {
        name: 'report',
        agent: 'analyst',
        description: 'Report the quarter sales.',
        expectedOutput: 'A report with the totals',
      },
    ],
  };
}

describe('a hierarchical crew', () => {
  it('lets the manager delegate each task to the member it picks, re-asking when it names no member', async () => {
    const { kernel } = await world.model([
      { match: { lastUser: 'not a member of the crew' }, reply: json({ agent: 'tester' }) },
      {
        match: { lastUser: '^Delegate task "implement"' },
        reply: json({ agent: 'coder', instructions: 'keep it small' }),
      },
      { match: { lastUser: '^Delegate task "verify"' }, reply: json({ agent: 'qa' }) },
      accept,
      { match: { system: 'You are Coder' }, reply: { text: 'code by coder <{{lastUser}}>' } },
      { match: { system: 'You are Tester' }, reply: { text: 'tests by tester' } },
    ]);
    const events: CrewEvent[] = [];
    const result = await runCrew(
      {
        name: 'builders',
        process: 'hierarchical',
        agents: [
          { name: 'coder', role: 'Coder', goal: 'Write code', backstory: 'Writes code.' },
          { name: 'tester', role: 'Tester', goal: 'Test code', backstory: 'Breaks code.' },
        ],
        tasks: [
          { name: 'implement', description: 'Implement the parser.', expectedOutput: 'Code' },
          { name: 'verify', description: 'Verify the parser.', expectedOutput: 'Test results' },
        ],
      },
      { kernel, runs: world.runs, onEvent: (event) => events.push(event) },
    );
    expect(result.tasks.map((task) => [task.task, task.agent, task.status])).toEqual([
      ['implement', 'coder', 'accepted'],
      ['verify', 'tester', 'accepted'],
    ]);
    expect(result.tasks[0]!.output).toContain('Guidance from the crew manager: keep it small');
    expect(events.filter((event) => event.type === 'task-delegated')).toMatchObject([
      { task: 'implement', agent: 'coder', instructions: 'keep it small' },
      { task: 'verify', agent: 'tester' },
    ]);
    // The manager's calls were usage too.
    expect(result.usage.totalTokens).toBeGreaterThan(
      result.tasks[0]!.usage.totalTokens + result.tasks[1]!.usage.totalTokens,
    );
  });

  it('sends a result back with the manager’s feedback, then accepts the rework', async () => {
    const { kernel } = await world.model([
      {
        match: { lastUser: '^Review task[\\s\\S]*Result:\\s*report v1' },
        reply: json({ verdict: 'rework', feedback: 'add the totals' }),
      },
      {
        match: { lastUser: '^Review task[\\s\\S]*Result:\\s*report v2' },
        reply: json({ verdict: 'accept' }),
      },
      { match: { lastUser: 'Manager feedback: add the totals' }, reply: { text: 'report v2 with totals' } },
      { match: { system: 'You are Analyst' }, reply: { text: 'report v1' } },
    ]);
    const events: CrewEvent[] = [];
    const result = await runCrew(reportCrew('review1', 2), {
      kernel,
      runs: world.runs,
      onEvent: (event) => events.push(event),
    });
    const [report] = result.tasks;
    expect(report).toMatchObject({
      status: 'accepted',
      reworkRounds: 1,
      feedback: ['add the totals'],
      output: 'report v2 with totals',
    });
    expect(report!.runIds).toHaveLength(2);
    const rework = (await world.runs.messages(report!.runIds[1]!))[0]?.content ?? '';
    expect(rework).toContain('Your previous result:\nreport v1');
    expect(rework).toContain('rework (round 1 of 2). Manager feedback: add the totals');
    expect(
      events
        .filter((event) => event.type === 'task-review')
        .map((event) => event.type === 'task-review' && event.verdict),
    ).toEqual(['rework', 'accept']);
    expect(result.unaccepted).toEqual([]);
  });

  it('stops after the last rework round and keeps the last result, flagged unaccepted', async () => {
    const { kernel } = await world.model([
      { match: { lastUser: '^Review task' }, reply: json({ verdict: 'rework', feedback: 'still wrong' }) },
      { match: { system: 'You are Analyst' }, reply: { text: 'report again' } },
    ]);
    const result = await runCrew(reportCrew('review2', 2), { kernel, runs: world.runs });
    expect(result.tasks[0]).toMatchObject({
      status: 'rework-limit',
      reworkRounds: 2,
      feedback: ['still wrong', 'still wrong'],
      output: 'report again',
    });
    expect(result.tasks[0]!.runIds).toHaveLength(3);
    expect(result.unaccepted).toEqual(['report']);
  });

  it('runs independent tasks in parallel, delegation and work alike', async () => {
    const { kernel, sim } = await world.model(
      [
        { match: { lastUser: '^Delegate task' }, reply: json({ agent: 'scout' }) },
        accept,
        { match: { system: 'You are Scout' }, reply: { text: 'seen' } },
      ],
      { latency: { firstByteMs: 150 } },
    );
    let running = 0;
    let maxRunning = 0;
    kernel.on('syscall-started', ({ syscall }) => {
      if (syscall.type === 'llm') maxRunning = Math.max(maxRunning, ++running);
    });
    kernel.on('syscall-finished', ({ syscall }) => {
      if (syscall.type === 'llm') running--;
    });
    const task = (name: string) => ({
      name,
      description: `Scout ${name}`,
      expectedOutput: 'what you saw',
      context: [],
    });
    const result = await runCrew(
      {
        name: 'scouts',
        process: 'hierarchical',
        agents: [{ name: 'scout', role: 'Scout', goal: 'Look around', backstory: 'Sharp eyes.' }],
        tasks: [task('hills'), task('woods'), task('coast')],
      },
      { kernel, runs: world.runs },
    );
    expect(result.tasks.every((item) => item.status === 'accepted')).toBe(true);
    expect(maxRunning).toBe(3);
    expect(sim.stats().maxConcurrent).toBe(3);
  });

  it('stops at a failed task: the error is thrown and the tasks after it never start', async () => {
    const { kernel } = await world.model([
      { match: { lastUser: 'Delegate|rejected' }, reply: { text: 'no idea' } },
    ]);
    const events: CrewEvent[] = [];
    const crew = reportCrew('failing', 1);
    crew.tasks = [
      { name: 'plan', description: 'Plan it.', expectedOutput: 'A plan' },
      { name: 'report', agent: 'analyst', description: 'Report.', expectedOutput: 'A report' },
    ];
    await expect(
      runCrew(crew, { kernel, runs: world.runs, onEvent: (event) => events.push(event) }),
    ).rejects.toThrow(/The model gave no acceptable answer in 3 attempts: it is not valid JSON/);
    expect(events.map((event) => event.type)).toEqual([
      'crew-start',
      'task-start',
      'task-failed',
      'crew-end',
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'crew-end', ok: false });
  });
});
