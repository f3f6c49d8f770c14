/** `serializeAgentFile`: bundle → current-format (v2) Letta Agent File JSON. */
import { invalidAt } from './errors.js';
import type { IdPlan } from './ids.js';
import { planIds } from './ids.js';
import { isRecord } from './json.js';
import { INTERPRETED } from './schema.js';
import type {
  AgentFileAgent,
  AgentFileBlock,
  AgentFileBundle,
  AgentFileMessage,
  AgentFileReasoning,
  AgentFileTool,
  SerializeAgentFileOptions,
} from './types.js';

/**
 * Writes a bundle as a current-format Agent File, as Letta's exporter does: file-local ids, blocks and tools
 * at the top level referenced by id, each agent's messages with `in_context_message_ids`, `llm_config`,
 * `tool_rules`; groups, files, sources, MCP servers, skills and metadata carried through as given. Fields
 * the reader kept as `extra` are written back, except the values of `tool_exec_environment_variables` and
 * `secrets`, which are blanked as Letta's exporter does. Pass the result to `JSON.stringify` to get the file.
 *
 * Throws `UserError('invalid_input')` when the bundle refers to blocks, tools or messages it lacks.
 */
export function serializeAgentFile(
  bundle: AgentFileBundle,
  options: SerializeAgentFileOptions = {},
): Record<string, unknown> {
  const ids = planIds(bundle);
  const createdAt = options.createdAt ?? new Date();
  if (Number.isNaN(createdAt.getTime())) throw invalidAt(['createdAt'], 'expected a valid Date', 'option');
  const file: Record<string, unknown> = {
    agents: bundle.agents.map((agent, a) => agentJson(agent, a, ids)),
    groups: bundle.groups,
    blocks: bundle.blocks.map((block) => blockJson(block, ids)),
    files: bundle.files,
    sources: bundle.sources,
    tools: bundle.tools.map((tool) => toolJson(tool, ids)),
    mcp_servers: bundle.mcpServers,
  };
  // Older Letta servers know no `skills`; write it only when there are some.
  if (bundle.skills.length > 0) file['skills'] = bundle.skills;
  Object.assign(file, carried(bundle.extra, INTERPRETED.file));
  file['metadata'] = bundle.metadata;
  file['created_at'] = createdAt.toISOString();
  return file;
}

function agentJson(agent: AgentFileAgent, index: number, ids: IdPlan): Record<string, unknown> {
  const id = lookup(ids.agents, agent.localId);
  const messageIds = ids.messages[index] ?? new Map<string, string>();
  return {
    ...withoutSecrets(carried(agent.extra, INTERPRETED.agent)),
    name: agent.name,
    description: agent.description,
    system: agent.system,
    ...(agent.agentType !== undefined && { agent_type: agent.agentType }),
    // Letta requires a complete llm_config or none (then the agent's `model` handle, if any, applies).
    ...(Object.keys(agent.llmConfig).length > 0 && { llm_config: agent.llmConfig }),
    ...(agent.embeddingConfig !== undefined && { embedding_config: agent.embeddingConfig }),
    tool_rules: agent.toolRules,
    tags: agent.tags,
    metadata: agent.metadata,
    block_ids: agent.blockLocalIds.map((local) => lookup(ids.blocks, local)),
    tool_ids: agent.toolLocalIds.map((local) => lookup(ids.tools, local)),
    id,
    in_context_message_ids: agent.inContextMessageLocalIds.map((local) => lookup(messageIds, local)),
    messages: agent.messages.map((message, m) =>
      messageJson(message, lookup(messageIds, message.localId), id, [index, m]),
    ),
  };
}

function blockJson(block: AgentFileBlock, ids: IdPlan): Record<string, unknown> {
  return {
    ...carried(block.extra, INTERPRETED.block),
    value: block.value,
    limit: block.limit,
    label: block.label,
    read_only: block.readOnly,
    description: block.description,
    metadata: block.metadata,
    id: lookup(ids.blocks, block.localId),
  };
}

function toolJson(tool: AgentFileTool, ids: IdPlan): Record<string, unknown> {
  return {
    id: lookup(ids.tools, tool.localId),
    ...(tool.toolType !== undefined && { tool_type: tool.toolType }),
    description: tool.description,
    ...(tool.sourceType !== undefined && { source_type: tool.sourceType }),
    name: tool.name,
    ...(tool.sourceCode !== undefined && { source_code: tool.sourceCode }),
    json_schema: tool.jsonSchema,
    ...carried(tool.extra, INTERPRETED.tool),
  };
}

function messageJson(
  message: AgentFileMessage,
  id: string,
  agentId: string,
  [agent, index]: [number, number],
): Record<string, unknown> {
  const content: Array<Record<string, unknown>> = (message.reasoning ?? []).map(reasoningJson);
  if (message.content !== '') content.push({ type: 'text', text: message.content });
  content.push(...(message.otherContent ?? []));
  const toolCalls = message.toolCalls?.map((call, c) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: argumentsJson(call.arguments, [agent, index, c]) },
  }));
  return {
    type: 'message',
    role: message.lettaRole ?? message.role,
    content,
    name: message.name ?? null,
    ...carried(message.extra, INTERPRETED.message),
    id,
    agent_id: agentId,
    tool_calls: toolCalls && toolCalls.length > 0 ? toolCalls : null,
    tool_call_id: message.toolCallId ?? null,
    created_at: message.createdAt.toISOString(),
  };
}

function reasoningJson(part: AgentFileReasoning): Record<string, unknown> {
  switch (part.type) {
    case 'reasoning':
      return {
        type: 'reasoning',
        is_native: part.isNative,
        reasoning: part.text,
        signature: part.signature ?? null,
      };
    case 'redacted_reasoning':
      return { type: 'redacted_reasoning', data: part.data };
    case 'omitted_reasoning':
      return { type: 'omitted_reasoning' };
  }
}

function argumentsJson(
  args: Record<string, unknown>,
  [agent, message, call]: [number, number, number],
): string {
  try {
    return JSON.stringify(args);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidAt(
      ['agents', agent, 'messages', message, 'toolCalls', call, 'arguments'],
      `expected JSON-serialisable arguments: ${reason}`,
      'Agent File bundle',
    );
  }
}

/** Like Letta's exporter, keeps the names of an agent's tool environment variables but not their values. */
function withoutSecrets(fields: Record<string, unknown>): Record<string, unknown> {
  const out = { ...fields };
  for (const key of ['tool_exec_environment_variables', 'secrets']) {
    const value = out[key];
    if (isRecord(value)) out[key] = Object.fromEntries(Object.keys(value).map((name) => [name, '']));
  }
  return out;
}

/** An entity's `extra` fields without the ones the writer sets itself. */
function carried(
  extra: Record<string, unknown> | undefined,
  interpreted: readonly string[],
): Record<string, unknown> {
  if (!extra) return {};
  return Object.fromEntries(Object.entries(extra).filter(([key]) => !interpreted.includes(key)));
}

function lookup(map: ReadonlyMap<string, string>, local: string): string {
  return map.get(local) ?? local;
}
