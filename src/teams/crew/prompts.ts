import type { Crew, CrewAgent, CrewManager, CrewTask } from './definition.js';

/** What a task is given of another task it takes context from. */
export interface ContextOutput {
  task: string;
  agent: string;
  output: string;
}

/** A member's system prompt, built from its role, goal and backstory. */
export function memberInstructions(crew: Crew, agent: CrewAgent, memoryLabel: string | undefined): string {
  return [
    `You are ${agent.role}.`,
    `Your goal: ${agent.goal}`,
    `Backstory: ${agent.backstory}`,
    `You are a member of the "${crew.name}" crew${crew.description ? ` (${crew.description})` : ''}. ` +
      'Each request gives you one task with its expected output and the results of the tasks it builds on. ' +
      'Your final answer is your result: it is passed on to the crew as it is, so make it complete.',
    memoryLabel
      ? `The crew shares a memory block "${memoryLabel}". Read it with crew_memory_read; add findings other members should know with crew_memory_append.`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export function managerInstructions(crew: Crew, manager: CrewManager): string {
  return [
    `You are ${manager.role}, the manager of the "${crew.name}" crew.`,
    `Your goal: ${manager.goal}`,
    `Backstory: ${manager.backstory}`,
    'You do not do the tasks yourself: you delegate each one to a crew member and review the result against its expected output. Answer with JSON only.',
  ].join('\n');
}

function contextSection(context: readonly ContextOutput[]): string {
  if (context.length === 0) return '';
  return [
    'Results of the tasks this one builds on:',
    ...context.map((item) => `## ${item.task} (by ${item.agent})\n${item.output}`),
  ].join('\n');
}

/** The request a member gets for a task. Its first line is `Task: <description>`. */
export function taskPrompt(input: {
  task: CrewTask;
  context: readonly ContextOutput[];
  instructions?: string | undefined;
  memory?: { label: string; value: string } | undefined;
}): string {
  return [
    `Task: ${input.task.description}`,
    `Expected output: ${input.task.expectedOutput}`,
    input.instructions ? `Guidance from the crew manager: ${input.instructions}` : '',
    contextSection(input.context),
    input.memory && input.memory.value.trim()
      ? `Shared memory "${input.memory.label}" now holds:\n${input.memory.value}`
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The request a member gets when the manager sends its result back. */
export function reworkPrompt(input: {
  task: CrewTask;
  context: readonly ContextOutput[];
  previous: string;
  feedback: string;
  round: number;
  maxRounds: number;
}): string {
  return [
    `Task: ${input.task.description}`,
    `Expected output: ${input.task.expectedOutput}`,
    contextSection(input.context),
    `Your previous result:\n${input.previous}`,
    `The crew manager asked for rework (round ${input.round} of ${input.maxRounds}). Manager feedback: ${input.feedback}`,
    'Give the complete, corrected result.',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The manager's delegation request. Its first line is `Delegate task "<name>"`. */
export function delegationPrompt(crew: Crew, task: CrewTask, context: readonly ContextOutput[]): string {
  return [
    `Delegate task "${task.name}": ${task.description}`,
    `Expected output: ${task.expectedOutput}`,
    context.length > 0 ? `It builds on the results of: ${context.map((item) => item.task).join(', ')}.` : '',
    'Crew members:',
    ...crew.agents.map((agent) => `- ${agent.name}: ${agent.role}. Goal: ${agent.goal}`),
    'Pick the member best suited to this task. Answer with JSON only: {"agent": "<member name>", "instructions": "<optional guidance for the member>"}',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The manager's review request. Its first line is `Review task "<name>"`. */
export function reviewPrompt(task: CrewTask, agent: string, output: string): string {
  return [
    `Review task "${task.name}" (done by ${agent}): ${task.description}`,
    `Expected output: ${task.expectedOutput}`,
    `Result:\n${output}`,
    'Does the result meet the expected output? Answer with JSON only: {"verdict": "accept"} or {"verdict": "rework", "feedback": "<what must change>"}',
  ].join('\n');
}
