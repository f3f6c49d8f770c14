/**
 * Durable workflows: typed graph state machines whose nodes are functions, agents or subgraphs, committed
 * after every step, resumable after crashes, with approval gates and time travel. See docs/workflows.md.
 * Any export added here becomes public API.
 * @module
 */
export {
  END,
  Graph,
  reducers,
  send,
  START,
  type CompiledGraph,
  type NodeFunction,
  type NodeOptions,
  type Reducer,
  type Router,
  type Send,
  type StateReducers,
} from './graph.js';
export { SUBGRAPH_SEPARATOR, WorkflowInterrupt, type ApprovalDecision, type NodeContext } from './context.js';
export { approvalHash, type WorkflowEvent } from './executor.js';
export {
  WorkflowEngine,
  type HistoryEntry,
  type WorkflowEngineOptions,
  type WorkflowResult,
} from './engine.js';
export type {
  ApprovalRecord,
  ApprovalStatus,
  StepRecord,
  TaskSpec,
  TaskWrite,
  WorkflowRunRecord,
  WorkflowRunStatus,
  WorkflowStore,
} from './types.js';
export { agentNode, subgraphNode, type AgentNodeOptions, type SubgraphNodeOptions } from './nodes.js';
export { InMemoryWorkflowStore } from './memory-store.js';
export { SqlWorkflowStore, WORKFLOW_MIGRATIONS } from './sql-store.js';
/** zod, re-exported so a workflow module can define its state with nothing but `hydra` installed. */
export { z } from 'zod';
