import { describe, expect, it } from 'vitest';

import type { SyscallInfo } from '../../../src/kernel/index.js';
import { runCrew, type CrewEvent } from '../../../src/teams/crew/index.js';
import { crewWorld } from './setup.js';

const world = crewWorld();

describe('a sequential crew', () => {
  it('runs tasks in order on the agent runtime, giving each its context tasks’ outputs', async () => {
    const { kernel } = await world.model([
      {
        match: { system: 'You are Poet', lastUser: '^Task: Write a haiku' },
        reply: { text: 'DRAFT: water runs' },
      },
      {
        match: { system: 'You are Editor', lastUser: '^Task: Polish' },
        reply: { text: 'FINAL <{{lastUser}}>' },
      },
    ]);
    const events: CrewEvent[] = [];
    const result = await runCrew(
      {
        name: 'poetry',
        agents: [
          { name: 'poet', role: 'Poet', goal: 'Write poems', backstory: 'Wrote many.' },
          { name: 'editor', role: 'Editor', goal: 'Polish text', backstory: 'Edited many.' },
        ],
        tasks: [
          {
            name: 'draft',
            agent: 'poet',
            description: 'Write a haiku about {topic}.',
            expectedOutput: 'A haiku',
          },
          {
            name: 'edit',
            agent: 'editor',
            description: 'Polish the draft.',
            expectedOutput: 'The final haiku',
          },
        ],
      },
      { kernel, runs: world.runs, inputs: { topic: 'rivers' }, onEvent: (event) => events.push(event) },
    );
    expect(result.tasks.map((task) => [task.task, task.agent, task.status])).toEqual([
      ['draft', 'poet', 'done'],
      ['edit', 'editor', 'done'],
    ]);
    // The editor's request carried the poet's output, under the task it came from.
    expect(result.output).toContain('Task: Polish the draft.');
    expect(result.output).toContain('## draft (by poet)\nDRAFT: water runs');
    // Durable runs of the members, defined on the runtime under <crew>-<agent>.
    const draftRun = await world.runs.get(result.tasks[0]!.runIds[0]!);
    expect(draftRun).toMatchObject({
      agent: 'poetry-poet',
      status: 'answer',
      goal: expect.stringContaining('Write a haiku about rivers.'),
    });
    const order = events
      .filter((event) => event.type === 'task-start' || event.type === 'task-done')
      .map((event) => `${event.type} ${'task' in event ? event.task : ''}`);
    expect(order).toEqual(['task-start draft', 'task-done draft', 'task-start edit', 'task-done edit']);
  });

  it('runs independent tasks at the same time: concurrent LLM syscalls through the kernel', async () => {
    const { kernel, sim } = await world.model(
      [
        { match: { lastUser: '^Task: Merge' }, reply: { text: 'merged' } },
        { match: { lastUser: '^Task: Look into (\\w+)' }, reply: { text: 'notes on {{lastUser}}' } },
      ],
      { latency: { firstByteMs: 200 } },
    );
    const running = new Map<string, SyscallInfo>();
    let maxRunning = 0;
    const llmAgents: string[] = [];
    kernel.on('syscall-started', ({ syscall }) => {
      if (syscall.type !== 'llm') return;
      running.set(syscall.id, syscall);
      llmAgents.push(syscall.agentId);
      maxRunning = Math.max(maxRunning, running.size);
    });
    kernel.on('syscall-finished', ({ syscall }) => void running.delete(syscall.id));
    const agent = (name: string) => ({ name, role: name, goal: 'Investigate', backstory: 'Curious.' });
    const result = await runCrew(
      {
        name: 'fanout',
        agents: [agent('a'), agent('b'), agent('c'), agent('lead')],
        tasks: [
          { name: 'north', agent: 'a', description: 'Look into north', expectedOutput: 'notes', context: [] },
          { name: 'south', agent: 'b', description: 'Look into south', expectedOutput: 'notes', context: [] },
          { name: 'east', agent: 'c', description: 'Look into east', expectedOutput: 'notes', context: [] },
          {
            name: 'merge',
            agent: 'lead',
            description: 'Merge the notes',
            expectedOutput: 'one report',
            context: ['north', 'south', 'east'],
          },
        ],
      },
      { kernel, runs: world.runs },
    );
    expect(maxRunning).toBe(3);
    expect(sim.stats().maxConcurrent).toBe(3);
    // The three first, in any order, then the merge, which only starts when they are done.
    expect(
      llmAgents
        .slice(0, 3)
        .map((id) => id.split(':')[0])
        .sort(),
    ).toEqual(['fanout-a', 'fanout-b', 'fanout-c']);
    expect(llmAgents[3]).toMatch(/^fanout-lead:/);
    expect(result.output).toBe('merged');
  });

  it('reuses the finished member runs when the same crew run id is run again', async () => {
    const { kernel, sim } = await world.model([{ reply: { text: 'done once' } }]);
    const crew = {
      name: 'again',
      agents: [{ name: 'solo', role: 'Solo', goal: 'Do it', backstory: 'Alone.' }],
      tasks: [
        { name: 'one', agent: 'solo', description: 'Do one.', expectedOutput: 'one' },
        { name: 'two', agent: 'solo', description: 'Do two.', expectedOutput: 'two' },
      ],
    };
    const first = await runCrew(crew, { kernel, runs: world.runs, crewRunId: 'again-1' });
    const calls = sim.stats().requests.total;
    const second = await runCrew(crew, { kernel, runs: world.runs, crewRunId: 'again-1' });
    expect(sim.stats().requests.total).toBe(calls);
    expect(second.tasks.map((task) => task.runIds)).toEqual(first.tasks.map((task) => task.runIds));
    expect(first.tasks[0]?.runIds).toEqual(['again-1.one.0']);
  });
});
