import type { ToolCall } from '../models/index.js';
import type { AgentRecord, MemoryBlock, MessageRole, Passage, StoredMessage } from './types.js';

/** Row shapes as both drivers return them, and their mapping to domain objects. */

export interface BlockRow {
  id: string;
  label: string;
  value: string;
  char_limit: number;
  description: string;
  read_only: boolean;
  version: number;
  metadata: Record<string, unknown>;
  created_at: Date | string;
  updated_at: Date | string;
}

export function toBlock(row: BlockRow): MemoryBlock {
  return {
    id: row.id,
    label: row.label,
    value: row.value,
    limit: row.char_limit,
    description: row.description,
    readOnly: row.read_only,
    version: row.version,
    metadata: row.metadata ?? {},
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export interface MessageRow {
  id: string;
  agent_id: string;
  role: MessageRole;
  content: string;
  tool_calls: ToolCall[] | null;
  tool_call_id: string | null;
  name: string | null;
  metadata?: Record<string, unknown> | null;
  created_at: Date | string;
}

export function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    agentId: row.agent_id,
    role: row.role,
    content: row.content,
    ...(row.tool_calls ? { toolCalls: row.tool_calls } : {}),
    ...(row.tool_call_id !== null ? { toolCallId: row.tool_call_id } : {}),
    ...(row.name !== null ? { name: row.name } : {}),
    ...(row.metadata ? { metadata: row.metadata } : {}),
    createdAt: new Date(row.created_at),
  };
}

export interface PassageRow {
  id: string;
  agent_id: string;
  text: string;
  tags: string[];
  created_at: Date | string;
}

export function toPassage(row: PassageRow): Passage {
  return {
    id: row.id,
    agentId: row.agent_id,
    text: row.text,
    tags: row.tags ?? [],
    createdAt: new Date(row.created_at),
  };
}

export interface AgentRow {
  id: string;
  name: string;
  description: string;
  instructions: string;
  model: string | null;
  context_window: number | null;
  tools: string[];
  tool_rules: Array<Record<string, unknown>>;
  tags: string[];
  metadata: Record<string, unknown>;
  summary: string;
  in_context_message_ids: string[];
  sleeptime_frequency: number | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export function toAgent(row: AgentRow): AgentRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    instructions: row.instructions,
    ...(row.model !== null ? { model: row.model } : {}),
    ...(row.context_window !== null ? { contextWindow: row.context_window } : {}),
    tools: row.tools,
    toolRules: row.tool_rules,
    tags: row.tags,
    metadata: row.metadata,
    summary: row.summary,
    inContextMessageIds: row.in_context_message_ids,
    ...(row.sleeptime_frequency !== null ? { sleeptime: { frequency: row.sleeptime_frequency } } : {}),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
