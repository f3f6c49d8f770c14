/**
 * Letta Agent File (.af) import and export, pure: text or JSON in, a normalised {@link AgentFileBundle} out,
 * and back. Persisting a bundle is the caller's business. See docs/agent-file.md.
 *
 * @module
 */
export { parseAgentFile } from './parse.js';
export { serializeAgentFile } from './serialize.js';
export { DEFAULT_BLOCK_LIMIT, TEXT_PART_SEPARATOR } from './convert.js';
export type { Problem } from './errors.js';
export type { IdPrefix, RawAgentFile } from './schema.js';
export { agentFileSchema, isLocalId } from './schema.js';
export type {
  AgentFileAgent,
  AgentFileBlock,
  AgentFileBundle,
  AgentFileMessage,
  AgentFileReasoning,
  AgentFileTool,
  AgentFileWarning,
  AgentFileWarningCode,
  LettaOnlyRole,
  ParseAgentFileOptions,
  SerializeAgentFileOptions,
} from './types.js';
