/**
 * The Anthropic Messages request format and its conversion to a Conversation: `system` is a top-level
 * field, tool calls are `tool_use` blocks and tool results are `tool_result` blocks in a user turn.
 */
import { z } from 'zod';

import type { ChatMessage, ToolDefinition } from '../../models/types.js';
import type { Conversation } from './conversation.js';
import { attributeToolResults } from './conversation.js';

const textBlocks = z.array(z.looseObject({ type: z.string(), text: z.string().optional() }));

function joinText(content: string | z.output<typeof textBlocks> | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .filter((block) => block.type === 'text' && block.text !== undefined)
    .map((block) => block.text)
    .join('\n');
}

const KNOWN_BLOCKS = new Set(['text', 'tool_use', 'tool_result']);

// Each block becomes a tagged value, so conversion below can narrow on `kind` alone.
const blockSchema = z.union([
  z.object({ type: z.literal('text'), text: z.string() }).transform((block) => ({
    kind: 'text' as const,
    text: block.text,
  })),
  z
    .object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() })
    .transform((block) => ({
      kind: 'tool_use' as const,
      id: block.id,
      name: block.name,
      input: block.input,
    })),
  z
    .object({
      type: z.literal('tool_result'),
      tool_use_id: z.string(),
      content: z.union([z.string(), textBlocks]).optional(),
      is_error: z.boolean().optional(),
    })
    .transform((block) => ({
      kind: 'tool_result' as const,
      toolUseId: block.tool_use_id,
      content: joinText(block.content),
      isError: block.is_error === true,
    })),
  // Images, documents, thinking blocks...: accepted, but they carry nothing the simulator reads.
  z
    .looseObject({ type: z.string().refine((type) => !KNOWN_BLOCKS.has(type)) })
    .transform(() => ({ kind: 'other' as const })),
]);

const messagesBodySchema = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(
      z.object({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(blockSchema)]) }),
    )
    .min(1),
  system: z.union([z.string(), textBlocks]).optional(),
  tools: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        description: z.string().optional(),
        input_schema: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  stream: z.boolean().optional(),
});

/** A final assistant turn is a prefill to continue, so it can hold text but not tool calls. */
export const messagesRequestSchema = messagesBodySchema.superRefine((request, context) => {
  const index = request.messages.length - 1;
  const last = request.messages[index];
  if (last?.role !== 'assistant' || typeof last.content === 'string') return;
  if (last.content.some((block) => block.kind === 'tool_use')) {
    context.addIssue({
      code: 'custom',
      path: ['messages', index, 'content'],
      message: 'a final assistant message is a prefill and cannot contain tool_use blocks',
    });
  }
});
export type MessagesRequest = z.output<typeof messagesRequestSchema>;

function asArguments(input: unknown): Record<string, unknown> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input))
    return input as Record<string, unknown>;
  return { _raw: JSON.stringify(input) };
}

type Block = z.output<typeof blockSchema>;

function convertTurn(role: 'user' | 'assistant', blocks: Block[]): ChatMessage[] {
  const texts: string[] = [];
  const out: ChatMessage[] = [];
  const calls: { id: string; name: string; arguments: Record<string, unknown> }[] = [];
  for (const block of blocks) {
    if (block.kind === 'text') texts.push(block.text);
    else if (block.kind === 'tool_use') {
      calls.push({ id: block.id, name: block.name, arguments: asArguments(block.input) });
    } else if (block.kind === 'tool_result') {
      out.push({
        role: 'tool',
        toolCallId: block.toolUseId,
        content: block.content,
        ...(block.isError ? { isError: true } : {}),
      });
    }
  }
  const text = texts.join('\n');
  if (role === 'assistant') {
    out.push(calls.length > 0 ? { role, content: text, toolCalls: calls } : { role, content: text });
  } else if (texts.length > 0 || out.length === 0) {
    // Tool results come first in a user turn, so any text the user added follows them.
    out.push({ role: 'user', content: text });
  }
  return out;
}

export function anthropicConversation(request: MessagesRequest): Conversation {
  const messages: ChatMessage[] = [];
  const system = joinText(request.system);
  if (request.system !== undefined) messages.push({ role: 'system', content: system });
  for (const message of request.messages) {
    if (typeof message.content === 'string') messages.push({ role: message.role, content: message.content });
    else messages.push(...convertTurn(message.role, message.content));
  }
  const tools: ToolDefinition[] = (request.tools ?? []).map((tool) => ({
    name: tool.name,
    description: tool.description ?? '',
    parameters: tool.input_schema ?? {},
  }));
  return { model: request.model, messages: attributeToolResults(messages), tools };
}
