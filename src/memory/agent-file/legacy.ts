/**
 * The legacy Agent File format ("v1", Letta ≤ 0.7: one agent object with `core_memory`, `messages`,
 * `in_context_message_indices`, `tools`, `version`). It is rewritten into a current-format document with
 * file-local ids and then read like one; errors found there are reported with the legacy file's paths.
 */
import { z } from 'zod';

import type { PathMap } from './errors.js';
import { Problems, invalidInput, zodProblems } from './errors.js';

/** Whether an object without `agents` looks like a legacy single-agent file. */
export function isLegacyAgentFile(json: Record<string, unknown>): boolean {
  return !('agents' in json) && ('core_memory' in json || 'in_context_message_indices' in json);
}

const jsonObject = z.record(z.string(), z.unknown());

const legacySchema = z.looseObject({
  core_memory: z.array(z.looseObject({ metadata_: jsonObject.nullish() })).nullish(),
  messages: z.array(z.looseObject({})).nullish(),
  in_context_message_indices: z.array(z.number().int().nonnegative()).nullish(),
  tools: z.array(z.looseObject({})).nullish(),
  tags: z
    .array(
      z.union([z.string(), z.looseObject({ tag: z.string() })], {
        error: 'expected a tag string or { tag }',
      }),
    )
    .nullish(),
  metadata_: jsonObject.nullish(),
  tool_exec_environment_variables: z
    .union([z.array(z.looseObject({ key: z.string(), value: z.string().nullish() })), jsonObject], {
      error: 'expected a list of { key, value } or an object of variables',
    })
    .nullish(),
  version: z.string().nullish(),
});

/** Legacy agent fields with no place in the current format (or rewritten into one). */
const LEGACY_ONLY_AGENT_FIELDS = [
  'id',
  'core_memory',
  'in_context_message_indices',
  'messages',
  'tools',
  'tags',
  'metadata_',
  'tool_exec_environment_variables',
  'created_at',
  'updated_at',
  'version',
  'multi_agent_group',
];
const LEGACY_ONLY_FIELDS = ['id', 'created_at', 'updated_at'];

/** Paths in the synthesised document → paths in the legacy file. */
export const legacyPath: PathMap = (path) =>
  path
    .replace(/^\$\.agents\[0\]\.in_context_message_ids/, '$.in_context_message_indices')
    .replace(/^\$\.agents\[0\]/, '$')
    .replace(/^\$\.blocks\[/, '$.core_memory[');

/** Validates the legacy-only parts and returns the equivalent current-format document. */
export function legacyToCurrent(json: Record<string, unknown>): Record<string, unknown> {
  const result = legacySchema.safeParse(json);
  if (!result.success) throw invalidInput(zodProblems(result.error.issues));
  const legacy = result.data;

  const messages = (legacy.messages ?? []).map((message, m) => {
    const { text, ...rest } = without(message, ['id', 'agent_id', 'updated_at']);
    // The oldest files kept the text in `text`, not `content`.
    const content = rest['content'] ?? (typeof text === 'string' ? text : undefined);
    return { ...rest, ...(content !== undefined && { content }), id: `message-${m}` };
  });
  const problems = new Problems();
  const inContext = (legacy.in_context_message_indices ?? []).map((index, k) => {
    if (index >= messages.length) {
      problems.add(
        ['in_context_message_indices', k],
        `index ${index} is past the last message (${messages.length})`,
      );
    }
    return `message-${index}`;
  });
  problems.throwIfAny();

  const blocks = (legacy.core_memory ?? []).map((block, b) => ({
    ...without(block, [...LEGACY_ONLY_FIELDS, 'metadata_']),
    metadata: block.metadata_ ?? block['metadata'] ?? null,
    id: `block-${b}`,
  }));
  const tools = (legacy.tools ?? []).map((tool, t) => ({
    ...without(tool, LEGACY_ONLY_FIELDS),
    id: `tool-${t}`,
  }));
  const env = legacy.tool_exec_environment_variables;
  const agent = {
    ...without(json, LEGACY_ONLY_AGENT_FIELDS),
    id: 'agent-0',
    block_ids: blocks.map((block) => block.id),
    tool_ids: tools.map((tool) => tool.id),
    messages,
    in_context_message_ids: inContext,
    tags: (legacy.tags ?? []).map((tag) => (typeof tag === 'string' ? tag : tag.tag)),
    metadata: legacy.metadata_ ?? json['metadata'] ?? null,
    ...(env != null && {
      tool_exec_environment_variables: Array.isArray(env)
        ? Object.fromEntries(env.map((variable) => [variable.key, variable.value ?? '']))
        : env,
    }),
  };
  return {
    agents: [agent],
    groups: [],
    blocks,
    files: [],
    sources: [],
    tools,
    mcp_servers: [],
    metadata: {},
  };
}

function without(object: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}
