import { AbortedError, UserError } from '../errors/index.js';
import type { ChatMessage, ModelProvider, TokenUsage, ToolCall } from '../models/index.js';
import type { FunctionTool, ToolOutcome } from '../tools/index.js';

/** What an agent run reports as it goes; names follow the noun-verb convention (`tool-call`, `step-end`). */
export type AgentEvent =
  | { type: 'step-start'; step: number }
  | { type: 'text-delta'; step: number; text: string }
  | { type: 'tool-call'; step: number; toolCall: ToolCall }
  | { type: 'tool-result'; step: number; toolCall: ToolCall; ok: boolean; content: string }
  | { type: 'step-end'; step: number; usage: TokenUsage }
  | { type: 'end'; result: AgentRunResult };

export type AgentStopReason = 'answer' | 'max-steps';

export interface AgentRunResult {
  answer: string;
  stopReason: AgentStopReason;
  steps: number;
  usage: TokenUsage;
}

/**
 * Where a run's messages live. The default keeps them in memory for one run; a persistent agent's memory
 * (src/memory `AgentMemory`) builds the context from core memory, summary and recall, and stores every message.
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

export interface RunAgentOptions {
  provider: ModelProvider;
  goal: string;
  /** System prompt for an in-memory conversation; ignored when `conversation` is given. */
  instructions?: string;
  conversation?: Conversation;
  tools?: FunctionTool[];
  maxSteps?: number;
  maxTokens?: number | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: (event: AgentEvent) => void;
  /** How a tool call is executed; the kernel passes its tool syscall here. Default: run the tool directly. */
  runTool?: (
    tool: FunctionTool,
    args: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ) => Promise<ToolOutcome>;
}

/**
 * The smallest honest agent loop: stream a reply, run the tool calls it asks for (in parallel), feed the
 * results back, repeat until the model answers without tools or the step limit is reached. Persistence,
 * budgets, handoffs and kernel scheduling come with the agent runtime.
 */
export async function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const { provider, goal, tools = [], maxSteps = 10, signal } = options;
  if (goal.trim() === '')
    throw new UserError('invalid_input', 'The goal is empty; say what the agent should do.', {
      data: { field: 'goal' },
    });
  const emit = options.onEvent ?? (() => undefined);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const runTool = options.runTool ?? ((tool, args, toolSignal) => tool.run(args, { signal: toolSignal }));
  const conversation = options.conversation ?? inMemoryConversation(options.instructions);
  await conversation.append([{ role: 'user', content: goal }]);
  const usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  let lastAnswer = '';

  for (let step = 1; step <= maxSteps; step++) {
    if (signal?.aborted) throw new AbortedError('The agent run was aborted.');
    emit({ type: 'step-start', step });
    const messages = await conversation.context();
    const stream = provider.stream(
      {
        messages,
        ...(tools.length > 0 ? { tools: tools.map((tool) => tool.definition) } : {}),
        ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
      },
      signal ? { signal } : {},
    );
    let reply: ChatMessage | undefined;
    for await (const event of stream) {
      if (event.type === 'text-delta') emit({ type: 'text-delta', step, text: event.text });
      else if (event.type === 'tool-call') emit({ type: 'tool-call', step, toolCall: event.toolCall });
      else if (event.type === 'finish') {
        reply = event.response.message;
        addUsage(usage, event.response.usage);
        emit({ type: 'step-end', step, usage: event.response.usage });
      }
    }
    if (!reply || reply.role !== 'assistant') continue;
    await conversation.append([reply]);
    lastAnswer = reply.content;
    const calls = reply.toolCalls ?? [];
    if (calls.length === 0)
      return finish({ answer: reply.content, stopReason: 'answer', steps: step, usage }, emit);

    const results = await Promise.all(
      calls.map(async (call) => {
        const tool = byName.get(call.name);
        const outcome = tool
          ? await runTool(tool, call.arguments, signal)
          : {
              ok: false,
              content: `There is no tool named "${call.name}". Available: ${[...byName.keys()].join(', ') || 'none'}.`,
            };
        emit({ type: 'tool-result', step, toolCall: call, ok: outcome.ok, content: outcome.content });
        return { call, outcome };
      }),
    );
    await conversation.append(
      results.map(({ call, outcome }) => ({
        role: 'tool' as const,
        toolCallId: call.id,
        name: call.name,
        content: outcome.content,
        ...(outcome.ok ? {} : { isError: true }),
      })),
    );
  }
  return finish({ answer: lastAnswer, stopReason: 'max-steps', steps: maxSteps, usage }, emit);
}

function finish(result: AgentRunResult, emit: (event: AgentEvent) => void): AgentRunResult {
  emit({ type: 'end', result });
  return result;
}

function addUsage(total: TokenUsage, add: TokenUsage): void {
  total.promptTokens += add.promptTokens;
  total.completionTokens += add.completionTokens;
  total.totalTokens += add.totalTokens;
}
