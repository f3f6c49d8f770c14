/**
 * The dialect-neutral request the rule engine sees. Both wire formats (OpenAI chat, Anthropic messages)
 * convert into Hydra's own ChatMessage vocabulary, so a script behaves the same on either endpoint and
 * prompt tokens are counted the way Hydra's admission control counts them.
 */
import type { ChatMessage, ToolDefinition } from '../../models/types.js';

export interface Conversation {
  /** The model name the client asked for (any name is accepted). */
  model: string;
  messages: ChatMessage[];
  tools: ToolDefinition[];
}

/** Facts about a conversation that rules match on and templates interpolate. */
export interface ConversationFacts {
  lastUser: string;
  system: string;
  /** The final message is a tool result. */
  afterToolResult: boolean;
  /** Content and tool name of the most recent tool result anywhere in the conversation. */
  lastToolResult: string;
  lastToolName: string;
  /** Tool name of the final message when it is a tool result, else undefined. */
  finalToolName: string | undefined;
  hasTools: boolean;
}

export function conversationFacts(conversation: Conversation): ConversationFacts {
  const { messages } = conversation;
  let lastUser = '';
  let lastToolResult = '';
  let lastToolName = '';
  let foundUser = false;
  let foundTool = false;
  for (let i = messages.length - 1; i >= 0 && !(foundUser && foundTool); i--) {
    const message = messages[i];
    if (!message) continue;
    if (!foundUser && message.role === 'user') {
      lastUser = message.content;
      foundUser = true;
    }
    if (!foundTool && message.role === 'tool') {
      lastToolResult = message.content;
      lastToolName = message.name ?? '';
      foundTool = true;
    }
  }
  const final = messages.at(-1);
  return {
    lastUser,
    system: messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n'),
    afterToolResult: final?.role === 'tool',
    lastToolResult,
    lastToolName,
    finalToolName: final?.role === 'tool' ? (final.name ?? '') : undefined,
    hasTools: conversation.tools.length > 0,
  };
}

/** A stable text key for the conversation: what default replies, ids and hashes derive from. */
export function conversationKey(conversation: Conversation): string {
  return JSON.stringify(conversation.messages);
}

/**
 * For a request that asks the model to continue its final assistant message (a prefill): the conversation
 * before that message, which the reply is computed for, and the message's text. Anything else is returned
 * unchanged with no prefill.
 */
export function splitPrefill(conversation: Conversation): {
  context: Conversation;
  prefill: string | undefined;
} {
  const last = conversation.messages.at(-1);
  if (last?.role !== 'assistant') return { context: conversation, prefill: undefined };
  return {
    context: { ...conversation, messages: conversation.messages.slice(0, -1) },
    prefill: last.content,
  };
}

/** Parses tool-call arguments from the wire; unparsable JSON is kept under `_raw` so nothing is lost. */
export function parseArguments(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    return { _raw: raw };
  } catch {
    return { _raw: raw };
  }
}

/**
 * Names each tool result after the tool that produced it. Both wire formats identify a result only by its
 * call id; the name comes from the assistant turn that made the call.
 */
export function attributeToolResults(messages: ChatMessage[]): ChatMessage[] {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const call of message.toolCalls ?? []) names.set(call.id, call.name);
  }
  return messages.map((message): ChatMessage => {
    if (message.role !== 'tool' || message.name !== undefined) return message;
    const name = names.get(message.toolCallId);
    return name === undefined ? message : { ...message, name };
  });
}
