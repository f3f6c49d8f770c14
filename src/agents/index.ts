/**
 * Agents: the agent loop. Any export added here becomes public API.
 * @module
 */
export {
  runAgent,
  type AgentEvent,
  type AgentRunResult,
  type AgentStopReason,
  type RunAgentOptions,
} from './run-agent.js';
