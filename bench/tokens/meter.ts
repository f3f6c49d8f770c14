/**
 * A pass-through `ModelProvider` that counts, with Hydra's tokenizer, exactly what goes into and comes out
 * of the model on every call: `countChatTokens` over the request's messages and tool definitions, and the
 * reply's text plus its tool calls (name and argument JSON). The provider's own reported usage (the
 * simulator's count of the same request) is kept beside it as a cross-check.
 */
import {
  countChatTokens,
  type AssistantMessage,
  type ModelProvider,
  type Tokenizer,
} from '../../src/models/index.js';

export interface MeteredCall {
  /** countChatTokens(messages, tools) of the request as sent. */
  promptTokens: number;
  /** The tool definitions' share of promptTokens. */
  toolDefinitionTokens: number;
  /** The tool results' share of promptTokens (contents of `tool` messages). */
  toolResultTokens: number;
  /** The reply: text, tool-call names and argument JSON. */
  completionTokens: number;
  messages: number;
  tools: number;
  /** What the provider (the simulator) reported for the same call. */
  reported: { promptTokens: number; completionTokens: number };
}

/** Tokens of what the model generated for a reply. */
export function completionTokensOf(tokenizer: Tokenizer, message: AssistantMessage): number {
  let total = tokenizer.count(message.content);
  for (const call of message.toolCalls ?? []) {
    total += tokenizer.count(call.name) + tokenizer.count(JSON.stringify(call.arguments));
  }
  return total;
}

export function meterProvider(inner: ModelProvider): { provider: ModelProvider; calls: MeteredCall[] } {
  const tokenizer = inner.tokenizer;
  const calls: MeteredCall[] = [];
  const provider: ModelProvider = {
    id: inner.id,
    provider: inner.provider,
    model: inner.model,
    contextWindow: inner.contextWindow,
    tokenizer,
    supportsPrefill: inner.supportsPrefill,
    chat: (request, options) => inner.chat(request, options),
    embed: (input, options) => inner.embed(input, options),
    countTokens: (request) => inner.countTokens(request),
    async *stream(request, options) {
      const tools = request.tools ?? [];
      const empty = countChatTokens(tokenizer, []);
      const record: MeteredCall = {
        promptTokens: countChatTokens(tokenizer, request.messages, tools),
        toolDefinitionTokens: countChatTokens(tokenizer, [], tools) - empty,
        toolResultTokens: request.messages.reduce(
          (sum, message) => sum + (message.role === 'tool' ? tokenizer.count(message.content) : 0),
          0,
        ),
        completionTokens: 0,
        messages: request.messages.length,
        tools: tools.length,
        reported: { promptTokens: 0, completionTokens: 0 },
      };
      for await (const event of inner.stream(request, options)) {
        if (event.type === 'finish') {
          record.completionTokens = completionTokensOf(tokenizer, event.response.message);
          record.reported = {
            promptTokens: event.response.usage.promptTokens,
            completionTokens: event.response.usage.completionTokens,
          };
          calls.push(record);
        }
        yield event;
      }
    },
  };
  return { provider, calls };
}
