/**
 * Recursive teams (issue 7): an atomizer, a planner of subtask DAGs, executors and an aggregator, recursing
 * over a durable task tree. Any export added here becomes public API.
 * @module
 */
export {
  DEFAULT_LIMITS,
  RecursiveTeam,
  type RecursiveRunOptions,
  type RecursiveTeamOptions,
  type RecursiveTeamResult,
} from './engine.js';
export { BudgetExhaustedError } from './budget.js';
export {
  atomizerAnswerSchema,
  findCycle,
  planSchema,
  validatePlan,
  type Plan,
  type PlannedSubtask,
} from './plan.js';
export {
  agentExecutor,
  AGGREGATOR_SYSTEM,
  ATOMIZER_SYSTEM,
  describeTask,
  EXECUTOR_SYSTEM,
  llmExecutor,
  plannerSystem,
  toolExecutor,
  type ExecutionContext,
  type ExecutionOutput,
  type ExecutionTask,
  type SubtaskOutcome,
  type TaskExecutor,
} from './roles.js';
export { InMemoryTaskTreeStore, type InMemoryTaskTreeStoreOptions } from './memory-store.js';
export { SqlTaskTreeStore, TASK_TREE_MIGRATIONS } from './sql-store.js';
export { describeTreeEvent, renderTree, type RenderOptions } from './render.js';
export { runRecursiveTeam, type RunRecursiveTeamOptions } from './run.js';
export type {
  NewTaskNode,
  TaskFailureReason,
  TaskNodeError,
  TaskNodeKind,
  TaskNodePatch,
  TaskNodeRecord,
  TaskNodeStatus,
  TaskTree,
  TaskTreeEvent,
  TaskTreeLimits,
  TaskTreeRecord,
  TaskTreeStatus,
  TaskTreeStore,
  TaskTreeSummary,
  TaskTreeWriteOptions,
} from './types.js';
