/** Current-format document (schema-valid) → normalised bundle. */
import type { ToolCall } from '../../models/index.js';
import type { MessageRole } from '../types.js';
import type { JsonPath, Problems } from './errors.js';
import { formatPath } from './errors.js';
import { isRecord, parseTimestamp, tryParseJson } from './json.js';
import type { Warn } from './references.js';
import type { RawAgent, RawAgentFile, RawBlock, RawMessage, RawTool } from './schema.js';
import { INTERPRETED, extraFields, reasoningPart, redactedReasoningPart, textPart } from './schema.js';
import type {
  AgentFileAgent,
  AgentFileBlock,
  AgentFileBundle,
  AgentFileMessage,
  AgentFileReasoning,
  AgentFileTool,
  LettaOnlyRole,
} from './types.js';

/** Letta's default block limit (`CORE_MEMORY_BLOCK_CHAR_LIMIT`), used when a block has none. */
export const DEFAULT_BLOCK_LIMIT = 20_000;

/** Separator between the text parts of one message. */
export const TEXT_PART_SEPARATOR = '\n';

export function convertDocument(doc: RawAgentFile, problems: Problems, warn: Warn): AgentFileBundle {
  const fileCreatedAt = doc.created_at ?? undefined;
  const extra = extraFields(doc, INTERPRETED.file);
  return {
    agents: doc.agents.map((agent, a) =>
      convertAgent(agent, ['agents', a], { problems, warn, fileCreatedAt }),
    ),
    blocks: (doc.blocks ?? []).map((block, b) => convertBlock(block, ['blocks', b], warn)),
    tools: (doc.tools ?? []).map(convertTool),
    groups: doc.groups ?? [],
    files: doc.files ?? [],
    sources: doc.sources ?? [],
    mcpServers: doc.mcp_servers ?? [],
    skills: doc.skills ?? [],
    metadata: doc.metadata ?? {},
    format: 'v2',
    ...(extra && { extra }),
  };
}

interface Context {
  problems: Problems;
  warn: Warn;
  fileCreatedAt: string | undefined;
}

function convertAgent(raw: RawAgent, path: JsonPath, context: Context): AgentFileAgent {
  const calls = new Set<string>();
  const messages: AgentFileMessage[] = [];
  (raw.messages ?? []).forEach((message, m) => {
    const converted = convertMessage(message, [...path, 'messages', m], context, calls);
    if (converted) messages.push(converted);
  });
  const agent: AgentFileAgent = {
    localId: raw.id,
    name: raw.name,
    description: raw.description ?? '',
    system: raw.system ?? '',
    llmConfig: raw.llm_config ?? {},
    toolRules: raw.tool_rules ?? [],
    tags: raw.tags ?? [],
    metadata: raw.metadata ?? {},
    blockLocalIds: raw.block_ids ?? [],
    toolLocalIds: raw.tool_ids ?? [],
    messages,
    inContextMessageLocalIds: raw.in_context_message_ids ?? [],
  };
  if (raw.agent_type != null) agent.agentType = raw.agent_type;
  if (raw.embedding_config != null) agent.embeddingConfig = raw.embedding_config;
  const extra = extraFields(raw, INTERPRETED.agent);
  if (extra) agent.extra = extra;
  return agent;
}

function convertBlock(raw: RawBlock, path: JsonPath, warn: Warn): AgentFileBlock {
  const limit = raw.limit ?? DEFAULT_BLOCK_LIMIT;
  if (raw.value.length > limit) {
    warn({
      code: 'block_over_limit',
      path: formatPath([...path, 'value']),
      message: `block ${JSON.stringify(raw.label)} holds ${raw.value.length} characters, over its limit of ${limit}`,
    });
  }
  const block: AgentFileBlock = {
    localId: raw.id,
    label: raw.label,
    value: raw.value,
    limit,
    description: raw.description ?? '',
    readOnly: raw.read_only ?? false,
    metadata: raw.metadata ?? {},
  };
  const extra = extraFields(raw, INTERPRETED.block);
  if (extra) block.extra = extra;
  return block;
}

function convertTool(raw: RawTool): AgentFileTool {
  const tool: AgentFileTool = {
    localId: raw.id,
    name: raw.name,
    description: raw.description ?? '',
    jsonSchema: raw.json_schema,
  };
  if (raw.source_code != null) tool.sourceCode = raw.source_code;
  if (raw.source_type != null) tool.sourceType = raw.source_type;
  if (raw.tool_type != null) tool.toolType = raw.tool_type;
  const extra = extraFields(raw, INTERPRETED.tool);
  if (extra) tool.extra = extra;
  return tool;
}

function convertMessage(
  raw: RawMessage,
  path: JsonPath,
  context: Context,
  calls: Set<string>,
): AgentFileMessage | undefined {
  const { problems } = context;
  const stamp = raw.created_at ?? context.fileCreatedAt;
  const createdAt = stamp === undefined ? undefined : parseTimestamp(stamp);
  if (!createdAt) problems.add([...path, 'created_at'], 'expected an ISO 8601 timestamp, but it is missing');

  const toolCalls: ToolCall[] = [];
  (raw.tool_calls ?? []).forEach((call, c) => {
    const args = parseArguments(
      call.function.arguments,
      [...path, 'tool_calls', c, 'function', 'arguments'],
      problems,
    );
    if (args) toolCalls.push({ id: call.id, name: call.function.name, arguments: args });
  });
  const { role, lettaRole } = mapRole(raw.role, toolCalls.length > 0);
  checkToolResult(raw, role, path, context, calls);
  for (const call of toolCalls) calls.add(call.id);

  const texts: string[] = [];
  const reasoning: AgentFileReasoning[] = [];
  const otherContent: Array<Record<string, unknown>> = [];
  for (const part of raw.content ?? []) {
    if (part.type === 'text') texts.push(textPart.parse(part).text);
    else if (part.type === 'reasoning') {
      const parsed = reasoningPart.parse(part);
      reasoning.push({
        type: 'reasoning',
        text: parsed.reasoning,
        isNative: parsed.is_native ?? false,
        ...(parsed.signature != null && { signature: parsed.signature }),
      });
    } else if (part.type === 'redacted_reasoning') {
      reasoning.push({ type: 'redacted_reasoning', data: redactedReasoningPart.parse(part).data });
    } else if (part.type === 'omitted_reasoning') reasoning.push({ type: 'omitted_reasoning' });
    else otherContent.push(part);
  }
  if (!createdAt) return undefined;

  const message: AgentFileMessage = {
    localId: raw.id,
    role,
    content: texts.join(TEXT_PART_SEPARATOR),
    createdAt,
  };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  if (raw.tool_call_id != null) message.toolCallId = raw.tool_call_id;
  if (raw.name != null) message.name = raw.name;
  if (reasoning.length > 0) message.reasoning = reasoning;
  if (otherContent.length > 0) message.otherContent = otherContent;
  if (lettaRole) message.lettaRole = lettaRole;
  const extra = extraFields(raw, INTERPRETED.message);
  if (extra) message.extra = extra;
  return message;
}

/** Letta's roles → Hydra's; the Letta-only ones are remembered for export. */
export function mapRole(
  role: RawMessage['role'],
  hasToolCalls: boolean,
): { role: MessageRole; lettaRole?: LettaOnlyRole } {
  switch (role) {
    case 'function':
      return { role: 'tool', lettaRole: role };
    case 'approval':
      return { role: hasToolCalls ? 'assistant' : 'user', lettaRole: role };
    case 'summary':
      return { role: 'user', lettaRole: role };
    default:
      return { role };
  }
}

/** A tool result should answer a call an earlier message of the agent made; only warned about. */
function checkToolResult(
  raw: RawMessage,
  role: MessageRole,
  path: JsonPath,
  context: Context,
  calls: Set<string>,
) {
  if (role !== 'tool') return;
  const id = raw.tool_call_id;
  if (id == null) {
    context.warn({
      code: 'tool_result_without_call_id',
      path: formatPath([...path, 'tool_call_id']),
      message: 'tool message without a tool_call_id',
    });
  } else if (!calls.has(id)) {
    context.warn({
      code: 'tool_result_without_call',
      path: formatPath([...path, 'tool_call_id']),
      message: `tool result for call ${JSON.stringify(id)}, which no earlier message of the agent made`,
    });
  }
}

/** Tool-call arguments are a JSON string of an object in Letta files (an object is accepted too). */
function parseArguments(
  value: unknown,
  path: JsonPath,
  problems: Problems,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') return {};
  if (isRecord(value)) return value;
  if (typeof value !== 'string') {
    problems.add(path, `expected a JSON string of the arguments object, found ${describe(value)}`);
    return undefined;
  }
  const parsed = tryParseJson(value);
  if (!parsed.ok) {
    problems.add(
      path,
      `expected a JSON string of the arguments object, but it is not valid JSON: ${parsed.reason}`,
    );
    return undefined;
  }
  if (!isRecord(parsed.value)) {
    problems.add(path, `expected the arguments to be a JSON object, found ${describe(parsed.value)}`);
    return undefined;
  }
  return parsed.value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
