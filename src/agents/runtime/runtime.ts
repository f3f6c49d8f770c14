import { z } from 'zod';

import { HydraError, NotFoundError, UserError } from '../../errors/index.js';
import type { Kernel } from '../../kernel/index.js';
import { AgentMemory, llmSummarizer, memoryTools, type MemoryService } from '../../memory/index.js';
import type { ChatMessage, ModelProvider, TokenUsage, ToolCall } from '../../models/index.js';
import { defineTool, type FunctionTool } from '../../tools/index.js';
import {
  runAgent,
  type AgentEvent,
  type AgentRunResult,
  type Conversation,
  type Pricing,
  type ToolGateDecision,
} from '../run-agent.js';
import type { CallUsage, RunRecord, RunStore } from './run-store.js';

/** How an agent passes work to another. */
export interface HandoffSpec {
  agent: string;
  /** `full`: the other agent sees the whole conversation; `filtered`: only the task, constraints and user preferences. */
  inherit: 'full' | 'filtered';
  /** `return`: the other agent's answer comes back as a tool result; `continue`: its answer ends this run. */
  control: 'return' | 'continue';
}

export interface AgentDefinition {
  name: string;
  /** Persona and instructions: the system prompt. */
  instructions: string;
  /** Backend model id (default: the kernel's least busy backend). */
  model?: string;
  /** Names of tools from the runtime's catalogue. */
  tools?: string[];
  handoffs?: HandoffSpec[];
  /** Other agents callable as tools (`ask_<name>`), which answer a task and return. */
  agentTools?: string[];
  /**
   * A persistent agent (src/memory) whose memory this agent runs on: its context is the compiled core memory,
   * summary and in-context messages (compacted under pressure), every message goes to its recall memory, and
   * it gets the memory tools. `instructions` then come from the memory agent.
   */
  memoryAgent?: string;
  limits?: {
    maxSteps?: number | undefined;
    maxTokensPerCall?: number | undefined;
    maxTotalTokens?: number | undefined;
    maxCostUsd?: number | undefined;
  };
}

export interface AgentRuntimeOptions {
  kernel: Kernel;
  runs: RunStore;
  /** Persistent memory for agents defined with `memoryAgent`. */
  memory?: MemoryService;
  /** Every tool an agent may name. */
  tools?: FunctionTool[];
  /** USD per million tokens, by model id. */
  pricing?: Record<string, Pricing>;
  /** The approval-gate hook: asked before each tool call (the approvals issue enforces rules here). */
  beforeToolCall?: (
    call: Parameters<NonNullable<Parameters<typeof runAgent>[0]['beforeToolCall']>>[0],
    tool: FunctionTool,
    runId: string,
  ) => Promise<ToolGateDecision>;
}

export interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (event: AgentEvent & { runId: string; agent: string }) => void;
  /** A caller-chosen id: running the same id again resumes that run instead of starting another (idempotent). */
  runId?: string;
  /** An extra gate for this run's tool calls (a workflow's approval rules), asked after the runtime's own. */
  beforeToolCall?: (call: ToolCall, tool: FunctionTool) => Promise<ToolGateDecision>;
}

export interface RuntimeRunResult extends AgentRunResult {
  runId: string;
}

const handoffArguments = z.object({
  task: z.string().min(1).describe('What the other agent should do, self-contained'),
  constraints: z.string().optional().describe('Limits the other agent must respect'),
  preferences: z.string().optional().describe("The user's stated preferences that matter for the task"),
});

/**
 * The agent runtime: named agents with instructions, tools, limits and budgets, whose runs are durable.
 * Every message of a run (and each model call's usage) is committed before the loop continues, so
 * `resume(runId)` after a crash continues from the last stored message: answered calls are not repeated, tool
 * calls without results run again (tools get the run and call ids for idempotency). Handoffs and agents-as-tools
 * start child runs tied to the calling tool call, so they resume too.
 */
export class AgentRuntime {
  readonly #kernel: Kernel;
  readonly #runs: RunStore;
  readonly #tools = new Map<string, FunctionTool>();
  readonly #agents = new Map<string, AgentDefinition>();
  readonly #options: AgentRuntimeOptions;

  constructor(options: AgentRuntimeOptions) {
    this.#kernel = options.kernel;
    this.#runs = options.runs;
    this.#options = options;
    for (const tool of options.tools ?? []) this.#tools.set(tool.name, tool);
  }

  get runs(): RunStore {
    return this.#runs;
  }

  define(definition: AgentDefinition): this {
    if (!/^[a-zA-Z0-9_-]{1,48}$/.test(definition.name)) {
      throw new UserError(
        'invalid_input',
        `Agent name "${definition.name}" must be 1-48 letters, digits, "_" or "-".`,
        { data: { field: 'name' } },
      );
    }
    for (const name of definition.tools ?? []) {
      if (!this.#tools.has(name)) {
        throw new UserError(
          'invalid_input',
          `Agent ${definition.name} names unknown tool "${name}"; known: ${[...this.#tools.keys()].join(', ') || 'none'}.`,
          {
            data: { field: 'tools' },
          },
        );
      }
    }
    this.#agents.set(definition.name, definition);
    return this;
  }

  /** Starts a new durable run of an agent on a goal. */
  async run(agent: string, goal: string, options: RunOptions = {}): Promise<RuntimeRunResult> {
    const definition = this.#definition(agent);
    if (options.runId !== undefined && (await this.#runs.find(options.runId)))
      return this.resume(options.runId, options);
    const run = await this.#runs.create({
      agent: definition.name,
      goal,
      ...(options.runId !== undefined ? { id: options.runId } : {}),
    });
    return this.#drive(run, definition, { messages: [], resume: false, goal }, options);
  }

  /** Continues a run that was interrupted (its process died) from its last stored message. */
  async resume(runId: string, options: RunOptions = {}): Promise<RuntimeRunResult> {
    const run = await this.#runs.get(runId);
    if (run.status !== 'running') {
      return {
        runId,
        answer: run.answer ?? '',
        stopReason: run.status === 'failed' ? 'answer' : run.status,
        steps: run.steps,
        usage: run.usage,
        costUsd: run.costUsd,
      };
    }
    const messages = await this.#runs.messages(runId);
    return this.#drive(
      run,
      this.#definition(run.agent),
      { messages, resume: messages.length > 0, goal: run.goal },
      options,
    );
  }

  /** Runs that were still running when their process stopped. */
  interruptedRuns(): Promise<RunRecord[]> {
    return this.#runs.list({ status: 'running' });
  }

  async #drive(
    run: RunRecord,
    definition: AgentDefinition,
    start: { messages: ChatMessage[]; resume: boolean; goal: string },
    options: RunOptions,
  ): Promise<RuntimeRunResult> {
    // Bound once the provider (from the kernel handle) exists; the hook only runs after that.
    const memoryRef: { current?: AgentMemory | undefined } = {};
    const handle = await this.#kernel.acquireAgent(`${definition.name}:${run.id}`, {
      // A memory agent's prompt that would overflow is compacted through its memory instead of refused.
      compact: (request, overflow) =>
        memoryRef.current
          ? memoryRef.current.compactForOverflow(request, overflow)
          : Promise.resolve(undefined),
    });
    const provider = handle.asProvider(definition.model);
    const pricing = this.#options.pricing?.[provider.id];
    const messages = [...start.messages];
    let pendingCall: CallUsage | undefined;
    const memory = definition.memoryAgent
      ? await this.#memoryFor(definition.memoryAgent, provider)
      : undefined;
    memoryRef.current = memory?.agentMemory;
    const conversation: Conversation = {
      context: async () =>
        memory
          ? memory.agentMemory.context()
          : [{ role: 'system', content: definition.instructions }, ...messages],
      append: async (added) => {
        if (memory) {
          // The messages live in the memory agent's recall; the run keeps its usage and a copy for `runs show`.
          await memory.agentMemory.append(added);
        }
        await this.#runs.append(run.id, added, pendingCall);
        pendingCall = undefined;
        messages.push(...added);
      },
    };
    const tools = [
      ...(definition.tools ?? []).map((name) => this.#tools.get(name) as FunctionTool),
      ...(memory ? memoryTools(memory.service, memory.agentId) : []),
      ...(definition.handoffs ?? []).map((spec) => this.#handoffTool(run, spec, () => messages)),
      ...(definition.agentTools ?? []).map((name) =>
        this.#handoffTool(
          run,
          { agent: name, inherit: 'filtered', control: 'return' },
          () => messages,
          `ask_${name}`,
        ),
      ),
    ];
    try {
      const result = await runAgent({
        provider,
        conversation,
        resume: start.resume,
        ...(start.resume ? {} : { goal: start.goal }),
        tools,
        maxSteps: definition.limits?.maxSteps ?? 10,
        maxTokens: definition.limits?.maxTokensPerCall,
        budget: {
          maxTokens: definition.limits?.maxTotalTokens,
          maxCostUsd: definition.limits?.maxCostUsd,
          pricing,
        },
        previous: { steps: run.steps, usage: run.usage, costUsd: run.costUsd },
        signal: options.signal,
        runTool: (tool, args, signal, call) =>
          handle.callTool(tool, args, { id: `${run.id}:${call.id}`, ...(signal ? { signal } : {}) }),
        beforeToolCall: async (call, tool) => {
          const own = this.#options.beforeToolCall
            ? await this.#options.beforeToolCall(call, tool, run.id)
            : { allow: true as const };
          if (!own.allow || !options.beforeToolCall) return own;
          return options.beforeToolCall(call, tool);
        },
        onEvent: (event) => {
          if (event.type === 'step-end')
            pendingCall = {
              step: event.step,
              model: provider.id,
              usage: event.usage,
              costUsd: event.costUsd,
            };
          options.onEvent?.({ ...event, runId: run.id, agent: definition.name });
        },
      });
      await this.#runs.finish(run.id, result.stopReason, result.answer);
      return { ...result, runId: run.id };
    } catch (error) {
      // An aborted or crashed run stays 'running' so it can be resumed; a failure is recorded.
      // Aborted, closed or paused for an approval: the run stays 'running', to be resumed.
      if (!(
        HydraError.isInstance(error) && ['aborted', 'kernel_closed', 'interrupted'].includes(error.code)
      )) {
        await this.#runs.finish(
          run.id,
          'failed',
          null,
          HydraError.isInstance(error) ? error.toJSON() : { message: String(error) },
        );
      }
      throw error;
    } finally {
      handle.release();
    }
  }

  #handoffTool(
    parent: RunRecord,
    spec: HandoffSpec,
    history: () => ChatMessage[],
    name = `transfer_to_${spec.agent}`,
  ): FunctionTool {
    const target = spec.agent;
    const tool = defineTool({
      name,
      description:
        spec.control === 'continue'
          ? `Hand the conversation over to the ${target} agent; its answer becomes the final answer.`
          : `Ask the ${target} agent to do a task; its answer comes back to you.`,
      parameters: handoffArguments,
      execute: async (args, context) => {
        const definition = this.#definition(target);
        const callId = context.callId ?? `${name}:${args.task}`;
        const existing = await this.#runs.childOf(parent.id, callId);
        const child =
          existing ??
          (await this.#runs.create({
            agent: target,
            goal: args.task,
            parentRunId: parent.id,
            parentCallId: callId,
          }));
        let result: RuntimeRunResult;
        if (existing && existing.status !== 'running') {
          result = {
            runId: existing.id,
            answer: existing.answer ?? '',
            stopReason: 'answer',
            steps: existing.steps,
            usage: existing.usage,
            costUsd: existing.costUsd,
          };
        } else if (existing) {
          result = await this.resume(existing.id);
        } else {
          const brief = spec.inherit === 'full' ? inheritedContext(history()) : [];
          const task = [
            `Task: ${args.task}`,
            args.constraints ? `Constraints: ${args.constraints}` : '',
            args.preferences ? `User preferences: ${args.preferences}` : '',
          ]
            .filter(Boolean)
            .join('\n');
          if (brief.length > 0) await this.#runs.append(child.id, brief);
          result = await this.#drive(child, definition, { messages: brief, resume: false, goal: task }, {});
        }
        return result.answer;
      },
    }) as FunctionTool;
    if (spec.control === 'return') return tool;
    // Passing control on for good: the other agent's answer ends this run.
    return {
      ...tool,
      run: async (args, context) => {
        const outcome = await tool.run(args, context);
        return outcome.ok ? { ...outcome, final: true } : outcome;
      },
    };
  }

  async #memoryFor(
    idOrName: string,
    provider: ModelProvider,
  ): Promise<{ service: MemoryService; agentId: string; agentMemory: AgentMemory }> {
    const service = this.#options.memory;
    if (!service)
      throw new UserError(
        'invalid_input',
        'An agent with `memoryAgent` needs the runtime to be given `memory` (a MemoryService).',
      );
    const agent = await service.getAgent(idOrName);
    return {
      service,
      agentId: agent.id,
      agentMemory: new AgentMemory(service, agent.id, {
        model: provider,
        summarizer: llmSummarizer(provider),
      }),
    };
  }

  #definition(name: string): AgentDefinition {
    const definition = this.#agents.get(name);
    if (!definition)
      throw new NotFoundError(
        `No agent named "${name}" is defined; defined: ${[...this.#agents.keys()].join(', ') || 'none'}.`,
      );
    return definition;
  }
}

/** What a `full` handoff passes on: the conversation without the caller's pending hand-off call. */
function inheritedContext(messages: ChatMessage[]): ChatMessage[] {
  const last = messages.at(-1);
  const withoutPending =
    last?.role === 'assistant' && last.toolCalls?.length ? messages.slice(0, -1) : messages;
  return withoutPending.map((message) =>
    message.role === 'tool'
      ? { role: 'user', content: `[${message.name ?? 'tool'} result] ${message.content}` }
      : message,
  );
}

export type { TokenUsage };
