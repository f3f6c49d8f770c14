/**
 * Agents: the agent loop. Any export added here becomes public API.
 * @module
 */
export {
  inMemoryConversation,
  runAgent,
  type Conversation,
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
