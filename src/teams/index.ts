/**
 * Teams: recursive planner/executor/aggregator trees, dynamic specialists with reorganisation, and
 * role-based crews. Any export added here becomes public API.
 * @module
 */
export * from './recursive/index.js';
export * from './orchestrator/index.js';
export * from './crew/index.js';
export { askJson, extractJson, type AskJsonOptions, type AskJsonResult } from './structured.js';
