/**
 * Teams: the meta-orchestrator with dynamic specialists and reorganisation (merges into teams,
 * sub-orchestrators, new specialist types). See docs/teams-orchestrator.md.
 * @module
 */
export { MetaOrchestrator, type DrainResult } from './orchestrator.js';
export { classifyGoal, type Classification } from './classifier.js';
export { CollaborationMatrix } from './collaboration.js';
export {
  OrchestratorEventLog,
  type OrchestratorEvent,
  type OrchestratorEventInput,
  type OrchestratorEventListener,
  type OrchestratorEventType,
} from './events.js';
export type { MetaOrchestratorOptions } from './options.js';
export { defaultTemplate } from './organisation.js';
export { patternSignature } from './signature.js';
export {
  DEFAULT_THRESHOLDS,
  RESERVED_DOMAINS,
  UNKNOWN_DOMAIN,
  specialistTemplateSchema,
  type NovelPattern,
  type QueuedTask,
  type ReorganisationThresholds,
  type SpecialistInfo,
  type SpecialistTemplate,
  type TaskInput,
  type TaskResult,
  type TaskStep,
  type TeamInfo,
} from './types.js';
