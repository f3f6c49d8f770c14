import type { ToolCall } from '../models/index.js';

/** A core memory block: always in the agent's context, edited by the agent's memory tools. */
export interface MemoryBlock {
  id: string;
  label: string;
  value: string;
  /** Character limit, enforced on every edit. */
  limit: number;
  description: string;
  readOnly: boolean;
  /** Incremented by every write; writes are compare-and-set against it. */
  version: number;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

/** One message of an agent's conversation, kept forever in recall memory. */
export interface StoredMessage {
  id: string;
  agentId: string;
  role: MessageRole;
  content: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  /** Tool name on tool results. */
  name?: string;
  /** What an imported message carried that Hydra does not interpret (reasoning, Letta fields), kept for export. */
  metadata?: Record<string, unknown>;
  createdAt: Date;
}

/** An archival memory passage. */
export interface Passage {
  id: string;
  agentId: string;
  text: string;
  tags: string[];
  createdAt: Date;
}

/** A persistent agent. */
export interface AgentRecord {
  id: string;
  name: string;
  description: string;
  /** Base instructions; core memory is compiled after them into the system prompt. */
  instructions: string;
  /** Hydra model id, e.g. `openai:gpt-4o-mini`, when known. */
  model?: string;
  contextWindow?: number;
  /** Tools the agent may call, by name. */
  tools: string[];
  /** Letta-style tool rules, kept as given (`{ tool_name, type, ... }`). */
  toolRules: Array<Record<string, unknown>>;
  tags: string[];
  metadata: Record<string, unknown>;
  /** Recursive summary of the messages evicted from the context window. */
  summary: string;
  /** Messages currently in the context window, oldest first (the system prompt is compiled, not stored here). */
  inContextMessageIds: string[];
  /** Run a sleep-time memory agent every `frequency` turns. */
  sleeptime?: { frequency: number };
  createdAt: Date;
  updatedAt: Date;
}

// ---------------------------------------------------------------------------------------------------------
// Agent File exchange: what an .af file holds, independent of the store, with the file's own local ids.

export interface AgentFileBlock {
  localId: string;
  label: string;
  value: string;
  limit: number;
  description: string;
  readOnly: boolean;
  metadata: Record<string, unknown>;
}

export interface AgentFileMessage {
  localId: string;
  role: MessageRole;
  content: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  name?: string;
  createdAt: Date;
}

export interface AgentFileTool {
  localId: string;
  name: string;
  description: string;
  /** The tool's JSON schema as the file gives it (`{ name, description, parameters }`). */
  jsonSchema: Record<string, unknown>;
  sourceCode?: string;
  sourceType?: string;
  toolType?: string;
}

export interface AgentFileAgent {
  localId: string;
  name: string;
  description: string;
  /** The agent's system prompt / instructions. */
  system: string;
  agentType?: string;
  /** Letta's `llm_config`, kept whole so an export gives back what was imported. */
  llmConfig: Record<string, unknown>;
  embeddingConfig?: Record<string, unknown>;
  toolRules: Array<Record<string, unknown>>;
  tags: string[];
  metadata: Record<string, unknown>;
  blockLocalIds: string[];
  toolLocalIds: string[];
  messages: AgentFileMessage[];
  /** Local ids of the messages in the context window; Letta puts the system message first. */
  inContextMessageLocalIds: string[];
}

/** The normalised content of an Agent File (current format or legacy v1). */
export interface AgentFileBundle {
  agents: AgentFileAgent[];
  blocks: AgentFileBlock[];
  tools: AgentFileTool[];
  /** Parts Hydra does not interpret yet, carried through unchanged on export. */
  groups: unknown[];
  files: unknown[];
  sources: unknown[];
  mcpServers: unknown[];
  skills: unknown[];
  metadata: Record<string, string>;
  /** Which format the file was in. */
  format: 'v2' | 'v1';
}
