/**
 * Agents: the agent loop. Any export added here becomes public API.
 * @module
 */
export {
  costOf,
  inMemoryConversation,
  runAgent,
  type Budget,
  type Conversation,
  type Pricing,
  type ToolGateDecision,
  type AgentEvent,
  type AgentRunResult,
  type AgentStopReason,
  type RunAgentOptions,
} from './run-agent.js';
export {
  runMemoryAgentTurn,
  type MemoryTurnOptions,
  type MemoryTurnResult,
  type SleeptimeReport,
} from './memory-agent.js';
export {
  AGENT_RUN_MIGRATIONS,
  AgentRuntime,
  RunStore,
  type AgentDefinition,
  type AgentRuntimeOptions,
  type CallUsage,
  type HandoffSpec,
  type RunOptions,
  type RunRecord,
  type RunStatus,
  type RuntimeRunResult,
} from './runtime/index.js';
