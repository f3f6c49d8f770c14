import type { AgentRuntime } from '../../agents/index.js';
import { UserError } from '../../errors/index.js';
import type { AgentHandle } from '../../kernel/index.js';
import type { ModelProvider, TokenUsage } from '../../models/index.js';
import type { FunctionTool } from '../../tools/index.js';
import type { TaskNodeError } from './types.js';

/** How a finished, failed or skipped subtask is shown to the nodes that depend on it and to the aggregator. */
export interface SubtaskOutcome {
  /** The plan's id for it (the last part of the node id). */
  key: string;
  goal: string;
  status: 'done' | 'failed' | 'skipped';
  result: string | null;
  error: TaskNodeError | null;
}

/** An atomic task, as its executor gets it. */
export interface ExecutionTask {
  treeId: string;
  nodeId: string;
  goal: string;
  depth: number;
  /** Goals of the enclosing tasks, the root's first. */
  ancestors: string[];
  /** The subtasks this one depends on, finished (a failed one is included, with its error). */
  dependencies: SubtaskOutcome[];
  /** 1 for the first attempt. */
  attempt: number;
}

export interface ExecutionContext {
  /** A provider whose calls are this node's kernel syscalls, checked against and charged to the tree's budget. */
  provider: ModelProvider;
  /** The node's kernel handle (for tool syscalls); released by the engine when the executor returns. */
  agent: AgentHandle;
  signal: AbortSignal;
}

export interface ExecutionOutput {
  result: string;
  /** Who did it, recorded on the node (default 'llm' for the default executor, else 'executor'). */
  role?: string;
  /** Usage of model calls made outside `context.provider` (a nested agent run), charged to the budget. */
  usage?: TokenUsage;
  costUsd?: number;
}

/** Runs an atomic task. Throwing fails the attempt; the engine retries, then reports the failure upwards. */
export type TaskExecutor = (task: ExecutionTask, context: ExecutionContext) => Promise<ExecutionOutput>;

export const ATOMIZER_SYSTEM = `You are the atomizer of a recursive task team. Decide whether a goal is atomic (it can be done well in one step, as one answer) or composite (it should be split into smaller subtasks).
Answer with only JSON: {"atomic": true, "reason": "why"} or {"atomic": false, "reason": "why"}.`;

export const plannerSystem = (maxSubtasks: number): string =>
  `You are the planner of a recursive task team. Split the goal into at most ${maxSubtasks} subtasks that together achieve it.
Answer with only JSON: {"subtasks": [{"id": "a", "goal": "what to do", "dependsOn": []}]}
- id: short and unique within the plan (letters, digits, "_" or "-").
- dependsOn: ids of subtasks of this plan whose results this one needs; subtasks without dependencies run in parallel. No cycles.`;

export const AGGREGATOR_SYSTEM = `You are the aggregator of a recursive task team. Merge the results of the subtasks into one answer to the goal.
Some subtasks may have failed or been skipped: work around them with what you have and say what is missing. Never present a failed subtask as done.`;

export const EXECUTOR_SYSTEM = `You are the executor of a recursive task team. Do the task and answer with its result only.`;

/** One line per subtask: `subtask <id> (<goal>) done: <result>` or `subtask <id> (<goal>) failed: <why>`. */
export function describeOutcome(outcome: SubtaskOutcome): string {
  const head = `subtask ${outcome.key} (${outcome.goal})`;
  if (outcome.status === 'done') return `- ${head} done: ${outcome.result ?? ''}`;
  const why = outcome.error ? outcome.error.message : 'no reason recorded';
  return `- ${head} ${outcome.status}: ${outcome.error?.reason === 'budget' ? `budget: ${why}` : why}`;
}

/** The user message for the atomizer, the planner and the executor. Starts with `Goal: <goal>`. */
export function describeTask(
  goal: string,
  ancestors: readonly string[],
  dependencies: readonly SubtaskOutcome[],
): string {
  const parts = [`Goal: ${goal}`];
  if (ancestors.length > 0)
    parts.push(`This is part of a larger task: ${[...ancestors].reverse().join(' <- ')}`);
  if (dependencies.length > 0)
    parts.push(`Results of the subtasks it depends on:\n${dependencies.map(describeOutcome).join('\n')}`);
  return parts.join('\n\n');
}

export function describeAggregation(goal: string, children: readonly SubtaskOutcome[]): string {
  return `Goal: ${goal}\n\nSubtask results:\n${children.map(describeOutcome).join('\n')}`;
}

/** The default executor: one model call through the node's kernel handle. */
export function llmExecutor(options: { system?: string; maxTokens?: number } = {}): TaskExecutor {
  return async (task, context) => {
    const response = await context.provider.chat(
      {
        messages: [
          { role: 'system', content: options.system ?? EXECUTOR_SYSTEM },
          { role: 'user', content: describeTask(task.goal, task.ancestors, task.dependencies) },
        ],
        ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
      },
      { signal: context.signal },
    );
    return { result: response.message.content ?? '', role: 'llm' };
  };
}

/**
 * A nested agent of the runtime runs the task (with its tools, memory and budgets); its run id is stable per
 * node and attempt, so a resumed tree resumes the agent's run rather than starting it again.
 */
export function agentExecutor(options: { runtime: AgentRuntime; agent: string }): TaskExecutor {
  return async (task, context) => {
    const run = await options.runtime.run(
      options.agent,
      describeTask(task.goal, task.ancestors, task.dependencies),
      { runId: `${task.treeId}:${task.nodeId}:${task.attempt}`, signal: context.signal },
    );
    if (run.stopReason !== 'answer' && run.stopReason !== 'handoff')
      throw new UserError(
        'invalid_input',
        `Agent ${options.agent} stopped (${run.stopReason}) without an answer.`,
        {
          data: { runId: run.runId, stopReason: run.stopReason },
        },
      );
    return { result: run.answer, role: `agent:${options.agent}`, usage: run.usage, costUsd: run.costUsd };
  };
}

/** A tool runs the task as a kernel tool syscall; `args` turns the task into the tool's arguments. */
export function toolExecutor(options: {
  tool: FunctionTool;
  args: (task: ExecutionTask) => Record<string, unknown>;
}): TaskExecutor {
  return async (task, context) => {
    const outcome = await context.agent.callTool(options.tool, options.args(task), {
      id: `${task.treeId}:${task.nodeId}:${task.attempt}`,
      signal: context.signal,
    });
    if (!outcome.ok)
      throw new UserError('invalid_input', `Tool ${options.tool.name} failed: ${outcome.content}`);
    return { result: outcome.content, role: `tool:${options.tool.name}` };
  };
}
