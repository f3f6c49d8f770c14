import { describe, expect, it } from 'vitest';

import { UserError } from '../../../src/errors/index.js';
import { defineCrew, interpolateCrew, runCrew, type CrewInput } from '../../../src/teams/crew/index.js';
import { crewWorld } from './setup.js';

const world = crewWorld();

const agents: CrewInput['agents'] = [
  { name: 'writer', role: 'Writer', goal: 'Write', backstory: 'Writes a lot.' },
  { name: 'editor', role: 'Editor', goal: 'Edit', backstory: 'Edits a lot.' },
];

function invalid(input: CrewInput): UserError {
  try {
    defineCrew(input);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('the crew was accepted');
}

describe('crew validation', () => {
  it('rejects a task assigned to an unknown agent, naming it and the members', () => {
    const error = invalid({
      name: 'v1',
      agents,
      tasks: [{ name: 'draft', description: 'd', expectedOutput: 'e', agent: 'poet' }],
    });
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(
      'tasks.0.agent: task "draft" is assigned to unknown agent "poet" (members: writer, editor)',
    );
  });

  it('rejects context from an unknown task', () => {
    const error = invalid({
      name: 'v2',
      agents,
      tasks: [{ name: 'edit', description: 'd', expectedOutput: 'e', agent: 'editor', context: ['draft'] }],
    });
    expect(error.message).toContain('tasks.0.context.0: task "edit" takes context from unknown task "draft"');
  });

  it('rejects a cycle among task contexts, spelling it out', () => {
    const error = invalid({
      name: 'v3',
      agents,
      tasks: [
        { name: 'a', description: 'd', expectedOutput: 'e', agent: 'writer', context: ['c'] },
        { name: 'b', description: 'd', expectedOutput: 'e', agent: 'writer', context: ['a'] },
        { name: 'c', description: 'd', expectedOutput: 'e', agent: 'editor', context: ['b'] },
      ],
    });
    expect(error.message).toContain('task context forms a cycle: a → c → b → a');
  });

  it('rejects a task without an agent in a sequential crew, and duplicate names', () => {
    const error = invalid({
      name: 'v4',
      agents: [...agents, agents[0]!],
      tasks: [{ name: 'draft', description: 'd', expectedOutput: 'e' }],
    });
    expect(error.message).toContain('agents.2.name: duplicate agent "writer"');
    expect(error.message).toContain('a sequential crew needs one per task');
    expect(error.data['issues']).toHaveLength(2);
  });

  it('reports shape errors from zod with their path', () => {
    const error = invalid({
      name: 'bad name!',
      agents: [{ name: 'writer', role: '', goal: 'g', backstory: 'b' }],
      tasks: [],
    } as CrewInput);
    expect(error.message).toMatch(/Invalid crew "bad name!": name: Crew names are 1-23/);
    expect(error.message).toContain('agents.0.role');
    expect(error.message).toContain('tasks:');
  });

  it('chains tasks by default and keeps an explicit empty context independent', () => {
    const crew = defineCrew({
      name: 'v5',
      agents,
      tasks: [
        { name: 'a', description: 'd', expectedOutput: 'e', agent: 'writer' },
        { name: 'b', description: 'd', expectedOutput: 'e', agent: 'writer' },
        { name: 'c', description: 'd', expectedOutput: 'e', agent: 'editor', context: [] },
      ],
    });
    expect(crew.tasks.map((task) => task.context)).toEqual([[], ['a'], []]);
  });

  it('refuses a {placeholder} without an input', () => {
    const crew = defineCrew({
      name: 'v6',
      agents,
      tasks: [{ name: 'a', description: 'About {topic}', expectedOutput: 'e', agent: 'writer' }],
    });
    expect(interpolateCrew(crew, { topic: 'rivers' }).tasks[0]?.description).toBe('About rivers');
    expect(() => interpolateCrew(crew, {})).toThrow(/task "a" uses \{topic\} but no input "topic" was given/);
  });

  it('refuses to run a crew whose agent names a tool that was not given', async () => {
    const { kernel } = await world.model([]);
    await expect(
      runCrew(
        {
          name: 'v7',
          agents: [{ ...agents[0]!, tools: ['web_search'] }],
          tasks: [{ name: 'a', description: 'd', expectedOutput: 'e', agent: 'writer' }],
        },
        { kernel, runs: world.runs },
      ),
    ).rejects.toThrow(/agent "writer" needs tool "web_search", not in the tools given \(none\)/);
  });
});
