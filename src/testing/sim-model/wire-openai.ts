/**
 * The OpenAI chat-completions and embeddings request formats, and their conversion to a Conversation.
 * Unknown fields (temperature, tool_choice, seed, ...) are accepted and ignored, as the simulator's
 * replies come from its script, not from sampling.
 */
import { z } from 'zod';

import type { ChatMessage, ToolDefinition } from '../../models/types.js';
import type { Conversation } from './conversation.js';
import { parseArguments, attributeToolResults } from './conversation.js';

// Content arrives as a string or as parts; only text parts carry anything the simulator can read.
const contentSchema = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
]);

const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const messageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: contentSchema }),
  z.object({ role: z.literal('developer'), content: contentSchema }),
  z.object({ role: z.literal('user'), content: contentSchema }),
  z.object({
    role: z.literal('assistant'),
    content: contentSchema.nullish(),
    tool_calls: z.array(toolCallSchema).nullish(),
  }),
  z.object({ role: z.literal('tool'), content: contentSchema, tool_call_id: z.string() }),
]);

const chatCompletionBodySchema = z.object({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        function: z.object({
          name: z.string().min(1),
          description: z.string().optional(),
          parameters: z.record(z.string(), z.unknown()).optional(),
        }),
      }),
    )
    .nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  /** vLLM: continue the final assistant message (a prefill) instead of starting a new one. */
  continue_final_message: z.boolean().nullish(),
  /** vLLM's companion flag; accepted (clients send `false` with the above) and otherwise ignored. */
  add_generation_prompt: z.boolean().nullish(),
});

export const chatCompletionRequestSchema = chatCompletionBodySchema.superRefine((request, context) => {
  if (request.continue_final_message !== true) return;
  if (request.add_generation_prompt === true) {
    context.addIssue({
      code: 'custom',
      path: ['continue_final_message'],
      message: 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.',
    });
  }
  const index = request.messages.length - 1;
  const last = request.messages[index];
  if (last?.role === 'assistant' && (last.tool_calls?.length ?? 0) > 0) {
    context.addIssue({
      code: 'custom',
      path: ['messages', index, 'tool_calls'],
      message: 'the final assistant message is continued (continue_final_message) and cannot have tool calls',
    });
  }
});
export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;

export const embeddingRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(8192).optional(),
});
export type EmbeddingRequest = z.output<typeof embeddingRequestSchema>;

function contentText(content: z.output<typeof contentSchema> | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .filter((part) => part.type === 'text' && part.text !== undefined)
    .map((part) => part.text)
    .join('');
}

export function openAiConversation(request: ChatCompletionRequest): Conversation {
  const messages: ChatMessage[] = request.messages.map((message): ChatMessage => {
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: contentText(message.content) };
      case 'user':
        return { role: 'user', content: contentText(message.content) };
      case 'assistant': {
        const calls = message.tool_calls ?? [];
        const content = contentText(message.content);
        if (calls.length === 0) return { role: 'assistant', content };
        return {
          role: 'assistant',
          content,
          toolCalls: calls.map((call) => ({
            id: call.id,
            name: call.function.name,
            arguments: parseArguments(call.function.arguments),
          })),
        };
      }
      case 'tool':
        return { role: 'tool', toolCallId: message.tool_call_id, content: contentText(message.content) };
    }
  });
  const tools: ToolDefinition[] = (request.tools ?? []).map((tool) => ({
    name: tool.function.name,
    description: tool.function.description ?? '',
    parameters: tool.function.parameters ?? {},
  }));
  return { model: request.model, messages: attributeToolResults(messages), tools };
}

/** The completion budget the client asked for; the newer field wins when both are sent. */
export function requestedMaxTokens(request: ChatCompletionRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}
