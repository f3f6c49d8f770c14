import { z } from 'zod';

import type { ModelProvider, TokenUsage } from '../../models/index.js';
import { askJson } from '../structured.js';
import type { Crew, CrewManager, CrewTask } from './definition.js';
import { delegationPrompt, managerInstructions, reviewPrompt, type ContextOutput } from './prompts.js';

const delegationSchema = z.object({
  agent: z.string().min(1),
  instructions: z.string().optional(),
});

const reviewSchema = z.object({
  verdict: z.enum(['accept', 'rework']),
  feedback: z.string().optional(),
});

export type Review = z.output<typeof reviewSchema>;

/**
 * The manager of a hierarchical crew. Its decisions are JSON answers (`askJson`: validated with zod and
 * asked again with what was wrong), made through a kernel agent handle so they are LLM syscalls like the
 * members' calls. Unlike the members' runs they are not stored: a resumed crew asks again.
 */
export class Manager {
  readonly usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  readonly #system: string;

  constructor(
    readonly crew: Crew,
    manager: CrewManager,
    readonly provider: ModelProvider,
    readonly signal: AbortSignal,
  ) {
    this.#system = managerInstructions(crew, manager);
  }

  /** The member to do `task`, and any guidance for it. An answer naming no member is sent back. */
  async delegate(
    task: CrewTask,
    context: readonly ContextOutput[],
  ): Promise<{ agent: string; instructions?: string | undefined }> {
    const members = this.crew.agents.map((agent) => agent.name);
    const answer = await askJson(this.provider, {
      system: this.#system,
      user: delegationPrompt(this.crew, task, context),
      schema: delegationSchema,
      check: (value) =>
        members.includes(value.agent)
          ? undefined
          : `"${value.agent}" is not a member of the crew; pick one of: ${members.join(', ')}.`,
      signal: this.signal,
    });
    this.#add(answer.usage);
    return answer.value;
  }

  /** Accept, or send back with feedback (a rework verdict without feedback is sent back to the manager). */
  async review(task: CrewTask, agent: string, output: string): Promise<Review> {
    const answer = await askJson(this.provider, {
      system: this.#system,
      user: reviewPrompt(task, agent, output),
      schema: reviewSchema,
      check: (value) =>
        value.verdict === 'rework' && !value.feedback?.trim()
          ? 'a "rework" verdict needs "feedback" saying what must change.'
          : undefined,
      signal: this.signal,
    });
    this.#add(answer.usage);
    return answer.value;
  }

  #add(usage: TokenUsage): void {
    this.usage.promptTokens += usage.promptTokens;
    this.usage.completionTokens += usage.completionTokens;
    this.usage.totalTokens += usage.totalTokens;
  }
}
