export {
  AgentRuntime,
  type AgentDefinition,
  type AgentRuntimeOptions,
  type HandoffSpec,
  type RunOptions,
  type RuntimeRunResult,
} from './runtime.js';
export {
  AGENT_RUN_MIGRATIONS,
  RunStore,
  type CallUsage,
  type RunRecord,
  type RunStatus,
} from './run-store.js';
