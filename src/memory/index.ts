/**
 * Persistent agent memory (Letta/MemGPT model): core memory blocks, recall and archival memory, the
 * managed message buffer, shared blocks with access control and versions, and Agent File import/export.
 * Any export added here becomes public API.
 * @module
 */
export { MemoryService, DEFAULT_INSTRUCTIONS, type NewAgent } from './memory-service.js';
export {
  AgentMemory,
  extractiveSummary,
  llmSummarizer,
  type AgentMemoryOptions,
  type CompactionReport,
  type Summarizer,
} from './agent-memory.js';
export {
  DEFAULT_BUFFER_POLICY,
  planEviction,
  pressureOf,
  type BufferPolicy,
  type BufferedMessage,
  type Pressure,
} from './buffer.js';
export {
  DEFAULT_BLOCK_LIMIT,
  DEFAULT_BLOCKS,
  type AgentBlock,
  type BlockAccess,
  type BlockEdit,
  type BlockWrite,
  type NewBlock,
} from './blocks.js';
export type { ArchivalPage, ArchivalQuery, Embedder, SearchMode } from './archival.js';
export type { AppendableMessage, RecallPage, RecallQuery } from './recall.js';
export { MEMORY_TOOL_NAMES, memoryTools } from './tools.js';
export {
  exportAgentFile,
  importAgentFile,
  modelIdFromLlmConfig,
  type ImportResult,
} from './agent-file-store.js';
export { parseAgentFile, serializeAgentFile } from './agent-file/index.js';
export { MEMORY_MIGRATIONS } from './schema.js';
export type {
  AgentFileBundle,
  AgentRecord,
  MemoryBlock,
  MessageRole,
  Passage,
  StoredMessage,
} from './types.js';
