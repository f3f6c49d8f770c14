import { z } from 'zod';

import { UserError } from '../../errors/index.js';

const NAME = /^[a-zA-Z0-9_-]{1,23}$/;
const name = (what: string) => z.string().regex(NAME, `${what} names are 1-23 letters, digits, "_" or "-"`);

export const crewAgentSchema = z.strictObject({
  name: name('Agent'),
  role: z.string().min(1),
  goal: z.string().min(1),
  backstory: z.string().min(1),
  /** Tool names from the catalogue the crew runs with (plus the crew memory tools). */
  tools: z.array(z.string().min(1)).default([]),
  /** Backend model id; default: the kernel's least busy backend. */
  model: z.string().min(1).optional(),
  maxSteps: z.number().int().positive().optional(),
});

export const crewTaskSchema = z.strictObject({
  name: name('Task'),
  description: z.string().min(1),
  expectedOutput: z.string().min(1),
  /** The member doing the task. Required in a sequential crew; in a hierarchical one the manager picks when unset. */
  agent: z.string().optional(),
  /**
   * Tasks whose outputs this task is given, and which must finish first. Omitted: the previous task (a
   * chain, as in CrewAI). `[]`: none, so the task can run alongside others.
   */
  context: z.array(z.string()).optional(),
});

export const crewManagerSchema = z.strictObject({
  role: z.string().min(1).default('Crew manager'),
  goal: z
    .string()
    .min(1)
    .default('Get every task done by the best-suited member, to the standard its expected output sets.'),
  backstory: z
    .string()
    .min(1)
    .default('You have led many teams; you delegate well and review results strictly but fairly.'),
  model: z.string().min(1).optional(),
});

export const crewMemorySchema = z.strictObject({
  /** Label of the shared core-memory block. */
  block: z
    .string()
    .regex(/^[a-zA-Z0-9_][a-zA-Z0-9_./-]{0,63}$/)
    .default('crew'),
  description: z.string().default('Findings the crew shares: members add what others should know.'),
  limit: z.number().int().positive().default(20_000),
  /** Memory agents (by name) that may read the block but not write it. Created when missing. */
  observers: z.array(z.string().min(1)).default([]),
  /** Append each task's output (shortened) to the block, as the member who did it: all tasks, or these. */
  recordOutputs: z.union([z.boolean(), z.array(z.string())]).default(true),
});

export const crewSchema = z.strictObject({
  name: name('Crew'),
  description: z.string().default(''),
  process: z.enum(['sequential', 'hierarchical']).default('sequential'),
  agents: z.array(crewAgentSchema).min(1),
  tasks: z.array(crewTaskSchema).min(1),
  manager: crewManagerSchema.optional(),
  /** How many times the manager may send a result back for rework (hierarchical). */
  maxReworkRounds: z.number().int().min(0).max(10).default(1),
  memory: crewMemorySchema.optional(),
});

export type CrewInput = z.input<typeof crewSchema>;
export type CrewAgent = z.output<typeof crewAgentSchema>;
export type CrewManager = z.output<typeof crewManagerSchema>;
export type CrewMemoryOptions = z.output<typeof crewMemorySchema>;
/** A validated crew: defaults applied and every task's `context` resolved. */
export type Crew = Omit<z.output<typeof crewSchema>, 'tasks'> & { tasks: CrewTask[] };
export type CrewTask = Omit<z.output<typeof crewTaskSchema>, 'context'> & { context: string[] };

interface Issue {
  path: string;
  message: string;
}

/**
 * Validates a crew: the shape (zod), then the references — unknown or duplicate agents and tasks, a task
 * naming itself or an unknown task as context, and cycles among tasks. Throws one `UserError`
 * ('invalid_input') listing every problem with its path (`data.issues`).
 */
export function defineCrew(input: CrewInput | Crew): Crew {
  const parsed = crewSchema.safeParse(input);
  if (!parsed.success) {
    fail(
      typeof (input as { name?: unknown }).name === 'string' ? (input as { name: string }).name : undefined,
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  const crew = parsed.data;
  const issues: Issue[] = [];
  const agents = new Set<string>();
  crew.agents.forEach((agent, index) => {
    if (agents.has(agent.name))
      issues.push({ path: `agents.${index}.name`, message: `duplicate agent "${agent.name}"` });
    agents.add(agent.name);
  });
  const taskNames = new Set<string>();
  crew.tasks.forEach((task, index) => {
    if (taskNames.has(task.name))
      issues.push({ path: `tasks.${index}.name`, message: `duplicate task "${task.name}"` });
    taskNames.add(task.name);
  });
  const known = [...agents].join(', ');
  const tasks: CrewTask[] = crew.tasks.map((task, index) => {
    if (task.agent === undefined && crew.process === 'sequential')
      issues.push({
        path: `tasks.${index}.agent`,
        message: `task "${task.name}" has no agent; a sequential crew needs one per task (members: ${known})`,
      });
    if (task.agent !== undefined && !agents.has(task.agent))
      issues.push({
        path: `tasks.${index}.agent`,
        message: `task "${task.name}" is assigned to unknown agent "${task.agent}" (members: ${known})`,
      });
    const previous = crew.tasks[index - 1];
    const context = task.context ?? (previous ? [previous.name] : []);
    context.forEach((dependency, position) => {
      if (dependency === task.name)
        issues.push({
          path: `tasks.${index}.context.${position}`,
          message: `task "${task.name}" names itself as context`,
        });
      else if (!taskNames.has(dependency))
        issues.push({
          path: `tasks.${index}.context.${position}`,
          message: `task "${task.name}" takes context from unknown task "${dependency}" (tasks: ${[...taskNames].join(', ')})`,
        });
    });
    return { ...task, context };
  });
  if (issues.length === 0) {
    const cycle = findCycle(tasks);
    if (cycle) issues.push({ path: 'tasks', message: `task context forms a cycle: ${cycle.join(' → ')}` });
  }
  if (crew.memory) {
    const recorded = crew.memory.recordOutputs;
    if (Array.isArray(recorded))
      recorded.forEach((task, index) => {
        if (!taskNames.has(task))
          issues.push({ path: `memory.recordOutputs.${index}`, message: `unknown task "${task}"` });
      });
  }
  if (issues.length > 0) fail(crew.name, issues);
  return { ...crew, tasks };
}

function fail(crew: string | undefined, issues: Issue[]): never {
  const list = issues.map((issue) => `${issue.path || '(crew)'}: ${issue.message}`).join('; ');
  throw new UserError('invalid_input', `Invalid crew${crew ? ` "${crew}"` : ''}: ${list}.`, {
    data: { issues },
  });
}

/** A cycle among the tasks' context, as task names with the first repeated at the end, or undefined. */
function findCycle(tasks: readonly CrewTask[]): string[] | undefined {
  const byName = new Map(tasks.map((task) => [task.name, task]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dependency of byName.get(name)?.context ?? []) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const task of tasks) {
    const cycle = visit(task.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Fills `{placeholder}`s in task descriptions and expected outputs from `inputs` (CrewAI's kickoff
 * inputs); a placeholder without a value is a `UserError` naming it.
 */
export function interpolateCrew(crew: Crew, inputs: Readonly<Record<string, string>>): Crew {
  const fill = (text: string, where: string): string =>
    text.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, (_, key: string) => {
      const value = inputs[key];
      if (value === undefined)
        throw new UserError(
          'invalid_input',
          `Crew "${crew.name}": ${where} uses {${key}} but no input "${key}" was given (inputs: ${Object.keys(inputs).join(', ') || 'none'}).`,
          { data: { field: key } },
        );
      return value;
    });
  return {
    ...crew,
    tasks: crew.tasks.map((task) => ({
      ...task,
      description: fill(task.description, `task "${task.name}"`),
      expectedOutput: fill(task.expectedOutput, `task "${task.name}"`),
    })),
  };
}
