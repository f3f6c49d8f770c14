import { AbortedError, UserError } from '../errors/index.js';
import type { AssistantMessage, ChatMessage, ModelProvider, TokenUsage, ToolCall } from '../models/index.js';
import type { FunctionTool, ToolOutcome } from '../tools/index.js';

/** What an agent run reports as it goes; names follow the noun-verb convention (`tool-call`, `step-end`). */
export type AgentEvent =
  | { type: 'step-start'; step: number }
  | { type: 'text-delta'; step: number; text: string }
  | { type: 'tool-call'; step: number; toolCall: ToolCall }
  | { type: 'tool-result'; step: number; toolCall: ToolCall; ok: boolean; content: string }
  | { type: 'step-end'; step: number; usage: TokenUsage; costUsd: number }
  | { type: 'end'; result: AgentRunResult };

export type AgentStopReason = 'answer' | 'max-steps' | 'budget' | 'handoff';

export interface AgentRunResult {
  answer: string;
  stopReason: AgentStopReason;
  /** Model calls made, including those before a resume. */
  steps: number;
  usage: TokenUsage;
  costUsd: number;
}

/**
 * Where a run's messages live. The default keeps them in memory for one run; a persistent agent's memory
 * (src/memory `AgentMemory`) or a durable run (the agent runtime) stores every message as it is appended.
 */
export interface Conversation {
  /** The messages to send for the next model call. */
  context(): Promise<ChatMessage[]>;
  /** Records messages the run produced (the goal, replies, tool results), in order. */
  append(messages: ChatMessage[]): Promise<void>;
}

/** A conversation that lives only as long as the run: an optional system prompt and what the run appends. */
export function inMemoryConversation(
  instructions?: string,
): Conversation & { readonly messages: ChatMessage[] } {
  const messages: ChatMessage[] = instructions ? [{ role: 'system', content: instructions }] : [];
  return {
    messages,
    context: async () => [...messages],
    append: async (added) => {
      messages.push(...added);
    },
  };
}

/** USD per million tokens. */
export interface Pricing {
  inputPerMillion: number;
  outputPerMillion: number;
}

export interface Budget {
  /** Prompt + completion tokens the run may use. */
  maxTokens?: number | undefined;
  maxCostUsd?: number | undefined;
  pricing?: Pricing | undefined;
}

export function costOf(usage: TokenUsage, pricing: Pricing | undefined): number {
  if (!pricing) return 0;
  return (
    (usage.promptTokens * pricing.inputPerMillion + usage.completionTokens * pricing.outputPerMillion) /
    1_000_000
  );
}

/** What an approval gate says about a tool call before it runs. */
export type ToolGateDecision = { allow: true } | { allow: false; reason: string };

export interface RunAgentOptions {
  provider: ModelProvider;
  /** The task. Not needed (and not appended again) when resuming a conversation that already holds it. */
  goal?: string;
  /** System prompt for an in-memory conversation; ignored when `conversation` is given. */
  instructions?: string;
  conversation?: Conversation;
  /** Continue an interrupted run: pending tool calls run first, then the loop goes on. */
  resume?: boolean;
  tools?: FunctionTool[];
  maxSteps?: number;
  /** Tokens generated per model call. */
  maxTokens?: number | undefined;
  budget?: Budget;
  /** Usage (and steps) already spent before a resume, so limits and totals cover the whole run. */
  previous?: { steps: number; usage: TokenUsage; costUsd: number };
  signal?: AbortSignal | undefined;
  onEvent?: (event: AgentEvent) => void;
  /** How a tool call is executed; the kernel passes its tool syscall here. Default: run the tool directly. */
  runTool?: (
    tool: FunctionTool,
    args: Record<string, unknown>,
    signal: AbortSignal | undefined,
    call: ToolCall,
  ) => Promise<ToolOutcome>;
  /** The hook approval gates plug into: asked before every tool call, with the tool's annotations. */
  beforeToolCall?: (call: ToolCall, tool: FunctionTool) => Promise<ToolGateDecision>;
}

/**
 * The agent loop: stream a reply, run the tool calls it asks for (in parallel; the kernel enforces each
 * tool's own limit), feed the results back, and repeat until the model answers without tools, the step limit
 * or the budget is reached. Tool errors and invalid arguments go back to the model; they never end the loop.
 * Every message goes through `conversation.append` as soon as it exists, so a durable conversation can
 * resume the run after a crash from the last message it stored.
 */
export async function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const { provider, tools = [], maxSteps = 10, signal } = options;
  const emit = options.onEvent ?? (() => undefined);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const runTool =
    options.runTool ??
    ((tool, args, toolSignal, call) => tool.run(args, { signal: toolSignal, callId: call.id }));
  const conversation = options.conversation ?? inMemoryConversation(options.instructions);
  const pricing = options.budget?.pricing;
  const usage: TokenUsage = {
    ...(options.previous?.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 }),
  };
  let costUsd = options.previous?.costUsd ?? 0;
  let steps = options.previous?.steps ?? 0;
  let lastAnswer = '';
  const finish = (stopReason: AgentStopReason): AgentRunResult => {
    const result = { answer: lastAnswer, stopReason, steps, usage, costUsd };
    emit({ type: 'end', result });
    return result;
  };

  if (options.resume) {
    const last = (await conversation.context()).at(-1);
    if (last?.role === 'assistant') {
      lastAnswer = last.content;
      if (!last.toolCalls?.length) return finish('answer');
      if (await runToolCalls(missingResults(await conversation.context(), last))) return finish('handoff');
    }
  } else {
    const goal = options.goal ?? '';
    if (goal.trim() === '')
      throw new UserError('invalid_input', 'The goal is empty; say what the agent should do.', {
        data: { field: 'goal' },
      });
    await conversation.append([{ role: 'user', content: goal }]);
  }

  while (steps < maxSteps) {
    if (signal?.aborted) throw new AbortedError('The agent run was aborted.');
    if (overBudget()) return finish('budget');
    const step = ++steps;
    emit({ type: 'step-start', step });
    const stream = provider.stream(
      {
        messages: await conversation.context(),
        ...(tools.length > 0 ? { tools: tools.map((tool) => tool.definition) } : {}),
        ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
      },
      signal ? { signal } : {},
    );
    let reply: AssistantMessage | undefined;
    for await (const event of stream) {
      if (event.type === 'text-delta') emit({ type: 'text-delta', step, text: event.text });
      else if (event.type === 'tool-call') emit({ type: 'tool-call', step, toolCall: event.toolCall });
      else if (event.type === 'finish') {
        reply = event.response.message;
        const callCost = costOf(event.response.usage, pricing);
        addUsage(usage, event.response.usage);
        costUsd += callCost;
        emit({ type: 'step-end', step, usage: event.response.usage, costUsd: callCost });
      }
    }
    if (!reply) continue;
    await conversation.append([reply]);
    lastAnswer = reply.content;
    if (!reply.toolCalls?.length) return finish('answer');
    if (await runToolCalls(reply.toolCalls)) return finish('handoff');
  }
  return finish('max-steps');

  function overBudget(): boolean {
    const budget = options.budget;
    return (
      (budget?.maxTokens !== undefined && usage.totalTokens >= budget.maxTokens) ||
      (budget?.maxCostUsd !== undefined && costUsd >= budget.maxCostUsd)
    );
  }

  /** Runs the calls in parallel and records their results; true when one handed the run over for good. */
  async function runToolCalls(calls: ToolCall[]): Promise<boolean> {
    const step = steps;
    const results = await Promise.all(
      calls.map(async (call) => {
        const outcome = await callTool(call);
        emit({ type: 'tool-result', step, toolCall: call, ok: outcome.ok, content: outcome.content });
        return { call, outcome };
      }),
    );
    // Results of calls cut short by an abort are not results: leave the calls pending for a resume.
    if (signal?.aborted) throw new AbortedError('The agent run was aborted.');
    await conversation.append(
      results.map(({ call, outcome }) => ({
        role: 'tool' as const,
        toolCallId: call.id,
        name: call.name,
        content: outcome.content,
        ...(outcome.ok ? {} : { isError: true }),
      })),
    );
    const final = results.find(({ outcome }) => outcome.ok && outcome.final);
    if (final) lastAnswer = final.outcome.content;
    return final !== undefined;
  }

  async function callTool(call: ToolCall): Promise<ToolOutcome> {
    const tool = byName.get(call.name);
    if (!tool)
      return {
        ok: false,
        content: `There is no tool named "${call.name}". Available: ${[...byName.keys()].join(', ') || 'none'}.`,
      };
    if (options.beforeToolCall) {
      const decision = await options.beforeToolCall(call, tool);
      if (!decision.allow)
        return { ok: false, content: `The call to ${call.name} was not approved: ${decision.reason}` };
    }
    return runTool(tool, call.arguments, signal, call);
  }
}

/** The calls of `reply` whose results are not yet in the conversation (a crash between a reply and its results). */
function missingResults(messages: ChatMessage[], reply: AssistantMessage): ToolCall[] {
  const answered = new Set(
    messages.flatMap((message) => (message.role === 'tool' ? [message.toolCallId] : [])),
  );
  return (reply.toolCalls ?? []).filter((call) => !answered.has(call.id));
}

function addUsage(total: TokenUsage, add: TokenUsage): void {
  total.promptTokens += add.promptTokens;
  total.completionTokens += add.completionTokens;
  total.totalTokens += add.totalTokens;
}
