/**
 * The Agent File exchange types, refined from `src/memory/types.ts`: every addition is an optional field,
 * so a bundle typed with the base interfaces is accepted by the serializer, and a parsed bundle is assignable
 * to the base `AgentFileBundle`.
 */
import type * as base from '../types.js';

/**
 * Model reasoning a Letta message carries besides its text (`content` parts of type `reasoning`,
 * `redacted_reasoning`, `omitted_reasoning`). Kept out of `content` so the text is what the model said.
 */
export type AgentFileReasoning =
  | { type: 'reasoning'; text: string; isNative: boolean; signature?: string }
  | { type: 'redacted_reasoning'; data: string }
  | { type: 'omitted_reasoning' };

/** Letta message roles that Hydra maps onto its own four. */
export type LettaOnlyRole = 'approval' | 'summary' | 'function';

export interface AgentFileMessage extends base.AgentFileMessage {
  /** Reasoning parts, in file order; on export they come before the text. */
  reasoning?: AgentFileReasoning[];
  /** Content parts Hydra does not interpret (images, `tool_call` / `tool_return` parts, unknown types), verbatim. */
  otherContent?: Array<Record<string, unknown>>;
  /**
   * The file's role when it is not one of Hydra's: Letta's human-in-the-loop `approval` (mapped to
   * `assistant` when it carries tool calls, else `user`), `summary` (a summary of evicted messages, mapped to
   * `user` as Letta sends it to the model) or the legacy `function` (mapped to `tool`). Export writes it back.
   */
  lettaRole?: LettaOnlyRole;
  /** Message fields Hydra does not interpret (`otid`, `model`, `tool_returns`, `approvals`, ...), verbatim. */
  extra?: Record<string, unknown>;
}

export interface AgentFileBlock extends base.AgentFileBlock {
  /** Block fields Hydra does not interpret (`tags`, `hidden`, template fields, ...), verbatim. */
  extra?: Record<string, unknown>;
}

export interface AgentFileTool extends base.AgentFileTool {
  /** Tool fields Hydra does not interpret (`tags`, `return_char_limit`, `metadata_`, ...), verbatim. */
  extra?: Record<string, unknown>;
}

export interface AgentFileAgent extends Omit<base.AgentFileAgent, 'messages'> {
  messages: AgentFileMessage[];
  /**
   * Agent fields Hydra does not interpret, verbatim: `source_ids`, `group_ids`, `files_agents`, `timezone`,
   * `message_buffer_autoclear`, `tool_exec_environment_variables`, ... Export writes them back, so groups,
   * files and sources carried in the bundle stay attached to their agents.
   */
  extra?: Record<string, unknown>;
}

/** The normalised content of an Agent File (current format or legacy v1). */
export interface AgentFileBundle extends Omit<base.AgentFileBundle, 'agents' | 'blocks' | 'tools'> {
  agents: AgentFileAgent[];
  blocks: AgentFileBlock[];
  tools: AgentFileTool[];
  /** Top-level fields Hydra does not interpret (collections newer Letta versions add), verbatim. */
  extra?: Record<string, unknown>;
}

export type AgentFileWarningCode =
  /** A tool message answers a call id that no earlier assistant message of the agent made. */
  | 'tool_result_without_call'
  /** A tool message has no `tool_call_id` at all. */
  | 'tool_result_without_call_id'
  /** A block's value is longer than its limit (Letta stopped enforcing limits in 2026). */
  | 'block_over_limit'
  /** A tool rule names a tool the agent does not have. */
  | 'tool_rule_unknown_tool';

/** Something odd in a file that Hydra can still import; passed to `onWarning`. */
export interface AgentFileWarning {
  code: AgentFileWarningCode;
  /** JSON path in the file, e.g. `$.agents[0].messages[4].tool_call_id`. */
  path: string;
  message: string;
}

export interface ParseAgentFileOptions {
  /** Called once per warning after the file has been validated. Warnings never stop the import. */
  onWarning?: (warning: AgentFileWarning) => void;
}

export interface SerializeAgentFileOptions {
  /** The file's `created_at`; defaults to now. */
  createdAt?: Date;
}
