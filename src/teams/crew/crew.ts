import { randomBytes } from 'node:crypto';

import {
  AgentRuntime,
  costOf,
  type AgentEvent,
  type Pricing,
  type RunStore,
  type RuntimeRunResult,
} from '../../agents/index.js';
import { HydraError, UserError } from '../../errors/index.js';
import type { Kernel } from '../../kernel/index.js';
import type { MemoryService } from '../../memory/index.js';
import type { TokenUsage } from '../../models/index.js';
import type { FunctionTool } from '../../tools/index.js';
import {
  crewManagerSchema,
  defineCrew,
  interpolateCrew,
  type Crew,
  type CrewInput,
  type CrewTask,
} from './definition.js';
import { runGraph } from './graph.js';
import { Manager } from './manager.js';
import { CrewMemory, crewMemoryTools } from './memory.js';
import { memberInstructions, reworkPrompt, taskPrompt, type ContextOutput } from './prompts.js';

/** `done`: sequential, no review; `accepted`: the manager accepted it; `rework-limit`: still not accepted after the last rework round. */
export type CrewTaskStatus = 'done' | 'accepted' | 'rework-limit';

export type CrewEvent =
  | {
      type: 'crew-start';
      crew: string;
      crewRunId: string;
      process: Crew['process'];
      tasks: Array<{ task: string; agent: string | undefined; context: string[] }>;
    }
  | { type: 'task-start'; task: string; agent: string | undefined }
  | { type: 'task-delegated'; task: string; agent: string; instructions: string | undefined }
  | { type: 'task-run'; task: string; agent: string; round: number; runId: string }
  | {
      type: 'task-review';
      task: string;
      agent: string;
      round: number;
      verdict: 'accept' | 'rework';
      feedback: string | undefined;
    }
  | {
      type: 'task-done';
      task: string;
      agent: string;
      status: CrewTaskStatus;
      elapsedMs: number;
      output: string;
    }
  | { type: 'task-failed'; task: string; agent: string | undefined; elapsedMs: number; error: string }
  | { type: 'memory-skipped'; task: string; reason: string }
  | { type: 'agent'; task: string; event: AgentEvent & { runId: string; agent: string } }
  | { type: 'crew-end'; crew: string; crewRunId: string; elapsedMs: number; ok: boolean };

export interface CrewTaskResult {
  task: string;
  agent: string;
  output: string;
  status: CrewTaskStatus;
  /** Rework rounds done (0 when the first result was accepted or there was no review). */
  reworkRounds: number;
  /** The manager's feedback, one per rework request. */
  feedback: string[];
  /** The member's durable runs (first attempt, then each rework), in `hydra runs show`. */
  runIds: string[];
  stopReason: RuntimeRunResult['stopReason'];
  elapsedMs: number;
  usage: TokenUsage;
  costUsd: number;
}

export interface CrewResult {
  crew: string;
  crewRunId: string;
  process: Crew['process'];
  /** In the crew's task order. */
  tasks: CrewTaskResult[];
  /** The last task's output. */
  output: string;
  /** Tasks the manager never accepted (the rework limit was reached); their last result was used. */
  unaccepted: string[];
  /** Members' runs and the manager's calls. */
  usage: TokenUsage;
  costUsd: number;
  elapsedMs: number;
  /** The shared block after the run, when the crew has memory. */
  memory?: { blockId: string; label: string; value: string; version: number };
}

export interface RunCrewOptions {
  kernel: Kernel;
  runs: RunStore;
  /** Needed when the crew has `memory`. */
  memory?: MemoryService | undefined;
  /** The tool catalogue members name tools from; the crew memory tools are added to it. */
  tools?: readonly FunctionTool[] | undefined;
  pricing?: Record<string, Pricing> | undefined;
  /** Values for `{placeholders}` in task descriptions and expected outputs. */
  inputs?: Readonly<Record<string, string>> | undefined;
  /**
   * Names the crew run; its members' runs are `<crewRunId>.<task>.<round>`. Running the same id again
   * reuses the member runs already finished and resumes interrupted ones (the manager is asked again).
   */
  crewRunId?: string | undefined;
  /** Tasks running at once (default: all that are ready; the kernel still bounds model calls). */
  maxParallel?: number | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: CrewEvent) => void) | undefined;
}

const RUN_ID = /^[a-zA-Z0-9_.-]{1,64}$/;
const RECORD_CHARS = 600;

/** The name a member is defined under in the AgentRuntime (and shown in `hydra runs`). */
export function runtimeAgentName(crew: string, agent: string): string {
  return `${crew}-${agent}`;
}

/**
 * Runs a crew: validates it, defines its members on an AgentRuntime (instructions from role, goal and
 * backstory), and runs its tasks as a dependency graph — each task once its context tasks are done, so
 * independent ones run at the same time in both processes. In a hierarchical crew the manager picks the
 * member for each unassigned task and reviews each result, sending it back with feedback up to
 * `maxReworkRounds` times. A failed task stops the crew: nothing new starts, running tasks are aborted,
 * and the error is thrown.
 */
export async function runCrew(input: CrewInput | Crew, options: RunCrewOptions): Promise<CrewResult> {
  const crew = interpolateCrew(defineCrew(input), options.inputs ?? {});
  const crewRunId = options.crewRunId ?? `crew-${crew.name}-${randomBytes(4).toString('hex')}`;
  if (!RUN_ID.test(crewRunId))
    throw new UserError(
      'invalid_input',
      `Crew run id "${crewRunId}" must be 1-64 letters, digits, ".", "_" or "-".`,
      {
        data: { field: 'crewRunId' },
      },
    );
  if (crew.memory && !options.memory)
    throw new UserError(
      'invalid_input',
      `Crew "${crew.name}" shares a memory block, so running it needs a MemoryService (options.memory).`,
    );
  const memoryToolNames = crew.memory ? ['crew_memory_read', 'crew_memory_append'] : [];
  // Before anything is created: a missing tool is a mistake in the crew or its setup.
  checkTools(crew, [...(options.tools ?? []).map((tool) => tool.name), ...memoryToolNames]);
  const memory = crew.memory && options.memory ? await CrewMemory.open(options.memory, crew) : undefined;
  // The crew's worker runs, so the shared memory tools know which member is calling.
  const memberOfRun = new Map<string, string>();
  const catalogue = [
    ...(options.tools ?? []),
    ...(memory ? crewMemoryTools(memory, (id) => memberOfRun.get(id)) : []),
  ];
  // A runtime of its own: the crew memory tools are bound to this crew's block and runs.
  const runtime = new AgentRuntime({
    kernel: options.kernel,
    runs: options.runs,
    tools: catalogue,
    ...(options.pricing ? { pricing: options.pricing } : {}),
  });
  for (const agent of crew.agents)
    runtime.define({
      name: runtimeAgentName(crew.name, agent.name),
      instructions: memberInstructions(crew, agent, memory?.label),
      tools: [...new Set([...agent.tools, ...memoryToolNames])],
      ...(agent.model ? { model: agent.model } : {}),
      ...(agent.maxSteps ? { limits: { maxSteps: agent.maxSteps } } : {}),
    });

  const emit = (event: CrewEvent): void => options.onEvent?.(event);
  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  const startedAt = performance.now();
  emit({
    type: 'crew-start',
    crew: crew.name,
    crewRunId,
    process: crew.process,
    tasks: crew.tasks.map((task) => ({ task: task.name, agent: task.agent, context: task.context })),
  });

  const handle =
    crew.process === 'hierarchical'
      ? await options.kernel.acquireAgent(`${crew.name}-manager:${crewRunId}`)
      : undefined;
  const manager = handle
    ? new Manager(
        crew,
        crew.manager ?? crewManagerSchema.parse({}),
        handle.asProvider(crew.manager?.model),
        signal,
      )
    : undefined;

  const work = async (task: CrewTask, agent: string, prompt: string, round: number) => {
    const runId = `${crewRunId}.${task.name}.${round}`;
    memberOfRun.set(runId, agent);
    emit({ type: 'task-run', task: task.name, agent, round, runId });
    return runtime.run(runtimeAgentName(crew.name, agent), prompt, {
      runId,
      signal,
      onEvent: (event) => emit({ type: 'agent', task: task.name, event }),
    });
  };

  const runTask = async (
    task: CrewTask,
    done: ReadonlyMap<string, CrewTaskResult>,
  ): Promise<CrewTaskResult> => {
    const taskStart = performance.now();
    const context: ContextOutput[] = task.context.map((name) => {
      const result = done.get(name) as CrewTaskResult;
      return { task: name, agent: result.agent, output: result.output };
    });
    let agent = task.agent;
    emit({ type: 'task-start', task: task.name, agent });
    try {
      let instructions: string | undefined;
      if (agent === undefined && manager) {
        const delegation = await manager.delegate(task, context);
        agent = delegation.agent;
        instructions = delegation.instructions;
        emit({ type: 'task-delegated', task: task.name, agent, instructions });
      }
      if (agent === undefined) throw new UserError('invalid_input', `Task "${task.name}" has no agent.`);
      const member = agent;
      const runs: RuntimeRunResult[] = [];
      const shared = memory ? { label: memory.label, value: (await memory.snapshot()).value } : undefined;
      runs.push(await work(task, member, taskPrompt({ task, context, instructions, memory: shared }), 0));
      let status: CrewTaskStatus = 'done';
      const feedback: string[] = [];
      if (manager) {
        for (let round = 1; ; round++) {
          const output = (runs.at(-1) as RuntimeRunResult).answer;
          const review = await manager.review(task, member, output);
          emit({
            type: 'task-review',
            task: task.name,
            agent: member,
            round,
            ...review,
            feedback: review.feedback,
          });
          if (review.verdict === 'accept') {
            status = 'accepted';
            break;
          }
          if (feedback.length >= crew.maxReworkRounds) {
            status = 'rework-limit';
            break;
          }
          feedback.push(review.feedback ?? '');
          const prompt = reworkPrompt({
            task,
            context,
            previous: output,
            feedback: review.feedback ?? '',
            round: feedback.length,
            maxRounds: crew.maxReworkRounds,
          });
          runs.push(await work(task, member, prompt, feedback.length));
        }
      }
      const last = runs.at(-1) as RuntimeRunResult;
      const result: CrewTaskResult = {
        task: task.name,
        agent: member,
        output: last.answer,
        status,
        reworkRounds: feedback.length,
        feedback,
        runIds: runs.map((run) => run.runId),
        stopReason: last.stopReason,
        elapsedMs: performance.now() - taskStart,
        usage: sumUsage(runs.map((run) => run.usage)),
        costUsd: runs.reduce((total, run) => total + run.costUsd, 0),
      };
      if (memory && records(crew, task.name)) await record(memory, result, emit);
      emit({
        type: 'task-done',
        task: task.name,
        agent: member,
        status,
        elapsedMs: result.elapsedMs,
        output: result.output,
      });
      return result;
    } catch (error) {
      emit({
        type: 'task-failed',
        task: task.name,
        agent,
        elapsedMs: performance.now() - taskStart,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  };

  let ok = false;
  try {
    const done = await runGraph(crew.tasks, runTask, {
      maxParallel: options.maxParallel,
      onFailure: () => abort.abort(),
    });
    const tasks = crew.tasks.map((task) => done.get(task.name) as CrewTaskResult);
    const managerUsage = manager?.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    const managerPricing = manager ? options.pricing?.[manager.provider.id] : undefined;
    ok = true;
    const snapshot = memory ? await memory.snapshot() : undefined;
    return {
      crew: crew.name,
      crewRunId,
      process: crew.process,
      tasks,
      output: tasks.at(-1)?.output ?? '',
      unaccepted: tasks.filter((task) => task.status === 'rework-limit').map((task) => task.task),
      usage: sumUsage([...tasks.map((task) => task.usage), managerUsage]),
      costUsd: tasks.reduce((total, task) => total + task.costUsd, 0) + costOf(managerUsage, managerPricing),
      elapsedMs: performance.now() - startedAt,
      ...(memory && snapshot
        ? { memory: { blockId: memory.blockId, label: memory.label, ...snapshot } }
        : {}),
    };
  } finally {
    handle?.release();
    emit({ type: 'crew-end', crew: crew.name, crewRunId, elapsedMs: performance.now() - startedAt, ok });
  }
}

function checkTools(crew: Crew, catalogue: readonly string[]): void {
  const known = new Set(catalogue);
  for (const agent of crew.agents) {
    const missing = agent.tools.filter((name) => !known.has(name));
    if (missing.length > 0)
      throw new UserError(
        'invalid_input',
        `Crew "${crew.name}": agent "${agent.name}" needs tool${missing.length > 1 ? 's' : ''} ${missing.map((name) => `"${name}"`).join(', ')}, not in the tools given (${[...known].join(', ') || 'none'}).`,
        { data: { agent: agent.name, missing } },
      );
  }
}

function records(crew: Crew, task: string): boolean {
  const recorded = crew.memory?.recordOutputs ?? false;
  return Array.isArray(recorded) ? recorded.includes(task) : recorded;
}

/** Appends a task's (shortened) output to the shared block as the member who did it. */
async function record(
  memory: CrewMemory,
  result: CrewTaskResult,
  emit: (event: CrewEvent) => void,
): Promise<void> {
  const output = result.output.trim();
  const short = output.length > RECORD_CHARS ? `${output.slice(0, RECORD_CHARS)}…` : output;
  try {
    await memory.append(result.agent, `[${result.task}] ${result.agent}: ${short}`);
  } catch (error) {
    // A full block must not fail work that is done; the output is still in the result and the run.
    if (HydraError.isInstance(error) && error.code === 'invalid_input')
      emit({ type: 'memory-skipped', task: result.task, reason: error.message });
    else throw error;
  }
}

function sumUsage(usages: readonly TokenUsage[]): TokenUsage {
  const total: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  for (const usage of usages) {
    total.promptTokens += usage.promptTokens;
    total.completionTokens += usage.completionTokens;
    total.totalTokens += usage.totalTokens;
  }
  return total;
}
