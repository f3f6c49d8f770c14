/**
 * zod schemas of the current Agent File format (Letta's `AgentFileSchema`, "v2"). Objects are loose: Letta
 * adds fields often, and unknown fields are kept (as `extra`) rather than rejected. What Hydra reads is
 * checked strictly. `null` is accepted wherever Letta writes it for an absent optional value.
 */
import { z } from 'zod';

import { parseTimestamp } from './json.js';

/** Prefixes of Letta's file-local ids (`<prefix>-<n>`). */
export type IdPrefix = 'agent' | 'block' | 'tool' | 'message' | 'group' | 'file' | 'source' | 'mcp_server';

const ID_PATTERN = /^([a-z_]+)-(\d+)$/;

/** `block-3` → `{ prefix: 'block', n: 3 }`. */
export function parseLocalId(id: string): { prefix: string; n: number } | undefined {
  const match = ID_PATTERN.exec(id);
  return match ? { prefix: match[1] ?? '', n: Number(match[2]) } : undefined;
}

export function isLocalId(id: string, prefix: IdPrefix): boolean {
  return parseLocalId(id)?.prefix === prefix;
}

export const localId = (prefix: IdPrefix) =>
  z.string().refine((id) => isLocalId(id, prefix), {
    error: (issue) =>
      `expected a file-local id of the form ${prefix}-<n>, found ${JSON.stringify(issue.input)}`,
  });

export const timestamp = z.string().refine((text) => parseTimestamp(text) !== undefined, {
  error: (issue) => `expected an ISO 8601 timestamp, found ${JSON.stringify(issue.input)}`,
});

const jsonObject = z.record(z.string(), z.unknown());

// Content parts: any `{ type }` object is accepted; the ones Hydra reads are checked field by field.
export const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
export const reasoningPart = z.looseObject({
  type: z.literal('reasoning'),
  reasoning: z.string(),
  is_native: z.boolean().nullish(),
  signature: z.string().nullish(),
});
export const redactedReasoningPart = z.looseObject({
  type: z.literal('redacted_reasoning'),
  data: z.string(),
});
const KNOWN_PARTS: Record<string, z.ZodType> = {
  text: textPart,
  reasoning: reasoningPart,
  redacted_reasoning: redactedReasoningPart,
};

const contentPart = z.looseObject({ type: z.string() }).superRefine((part, ctx) => {
  const schema = KNOWN_PARTS[part.type];
  const result = schema?.safeParse(part);
  for (const issue of result?.error?.issues ?? []) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  }
});

/** A plain string is the same as one text part. */
const content = z.preprocess(
  (value) => (typeof value === 'string' ? [{ type: 'text', text: value }] : value),
  z.array(contentPart, { error: 'expected a string or a list of content parts' }).nullish(),
);

const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.string().nullish(),
  function: z.looseObject({
    name: z.string().min(1),
    /** A JSON string in Letta files; checked (and parsed) during conversion. */
    arguments: z.unknown(),
  }),
});

export const LETTA_ROLES = [
  'system',
  'user',
  'assistant',
  'tool',
  'function',
  'approval',
  'summary',
] as const;

export const messageSchema = z.looseObject({
  id: localId('message'),
  role: z.enum(LETTA_ROLES),
  content,
  name: z.string().nullish(),
  tool_calls: z.array(toolCall).nullish(),
  tool_call_id: z.string().nullish(),
  created_at: timestamp.nullish(),
});

export const blockSchema = z.looseObject({
  id: localId('block'),
  label: z.string().min(1),
  value: z.string(),
  limit: z.number().int().positive().nullish(),
  description: z.string().nullish(),
  read_only: z.boolean().nullish(),
  metadata: jsonObject.nullish(),
});

export const toolSchema = z.looseObject({
  id: localId('tool'),
  name: z.string().min(1),
  description: z.string().nullish(),
  json_schema: jsonObject,
  source_code: z.string().nullish(),
  source_type: z.string().nullish(),
  tool_type: z.string().nullish(),
});

const toolRule = z.looseObject({ type: z.string().min(1), tool_name: z.string().nullish() });

const llmConfig = z.looseObject({
  model: z.string().nullish(),
  model_endpoint_type: z.string().nullish(),
  context_window: z.number().int().positive().nullish(),
});

export const agentSchema = z.looseObject({
  id: localId('agent'),
  name: z.string().min(1),
  description: z.string().nullish(),
  system: z.string().nullish(),
  agent_type: z.string().nullish(),
  llm_config: llmConfig.nullish(),
  embedding_config: jsonObject.nullish(),
  tool_rules: z.array(toolRule).nullish(),
  tags: z.array(z.string()).nullish(),
  metadata: jsonObject.nullish(),
  block_ids: z.array(z.string()).nullish(),
  tool_ids: z.array(z.string()).nullish(),
  in_context_message_ids: z.array(z.string()).nullish(),
  messages: z.array(messageSchema).nullish(),
});

const withId = (prefix: IdPrefix) => z.looseObject({ id: localId(prefix) });

export const agentFileSchema = z.looseObject({
  agents: z.array(agentSchema),
  groups: z.array(withId('group')).nullish(),
  blocks: z.array(blockSchema).nullish(),
  files: z.array(withId('file')).nullish(),
  sources: z.array(withId('source')).nullish(),
  tools: z.array(toolSchema).nullish(),
  mcp_servers: z.array(withId('mcp_server')).nullish(),
  skills: z.array(jsonObject).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  created_at: timestamp.nullish(),
});

export type RawAgentFile = z.infer<typeof agentFileSchema>;
export type RawAgent = z.infer<typeof agentSchema>;
export type RawMessage = z.infer<typeof messageSchema>;
export type RawBlock = z.infer<typeof blockSchema>;
export type RawTool = z.infer<typeof toolSchema>;

/** Fields the reader interprets; every other field of the object is kept verbatim as `extra`. */
export const INTERPRETED = {
  file: [
    'agents',
    'groups',
    'blocks',
    'files',
    'sources',
    'tools',
    'mcp_servers',
    'skills',
    'metadata',
    'created_at',
  ],
  agent: [
    'id',
    'name',
    'description',
    'system',
    'agent_type',
    'llm_config',
    'embedding_config',
    'tool_rules',
    'tags',
    'metadata',
    'block_ids',
    'tool_ids',
    'in_context_message_ids',
    'messages',
  ],
  block: ['id', 'label', 'value', 'limit', 'description', 'read_only', 'metadata'],
  tool: ['id', 'name', 'description', 'json_schema', 'source_code', 'source_type', 'tool_type'],
  message: ['id', 'type', 'role', 'content', 'name', 'tool_calls', 'tool_call_id', 'created_at', 'agent_id'],
} as const satisfies Record<string, readonly string[]>;

/** The object's fields other than `keys`; `undefined` when there are none. */
export function extraFields(
  object: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {};
  let any = false;
  for (const [key, value] of Object.entries(object)) {
    if (keys.includes(key) || value === undefined) continue;
    extra[key] = value;
    any = true;
  }
  return any ? extra : undefined;
}
