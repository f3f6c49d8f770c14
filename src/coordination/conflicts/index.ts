/**
 * Conflict resolution between agents: detection of resource, goal, information and priority conflicts;
 * negotiation by bids with compensation; hierarchical arbitration; theory of mind; human escalation
 * (persisted on the Store); metrics. See docs/coordination-conflicts.md.
 *
 * @module
 */
export type {
  BeliefStatement,
  BidInput,
  Conflict,
  ConflictType,
  Contender,
  GoalConflict,
  GoalDeclaration,
  InformationConflict,
  PriorityClaim,
  PriorityConflict,
  Proposal,
  Resolution,
  ResourceClaim,
  ResourceConflict,
  Strategy,
} from './types.js';
export { CONFLICT_TYPES } from './types.js';
export { ConflictDetector, canonicalValue, type ConflictSnapshot, type DetectorOptions } from './detect.js';
export {
  CompensationLedger,
  bidUtility,
  negotiate,
  normalCdf,
  rankBids,
  separationConfidence,
  type CompensationOptions,
  type NegotiationOutcome,
  type RankedBid,
} from './negotiation.js';
export {
  Arbiter,
  type ArbiterOptions,
  type ArbitrationEntry,
  type ArbitrationOutcome,
  type Objective,
} from './arbitration.js';
export {
  TheoryOfMind,
  type AgentConstraints,
  type AgentModel,
  type KnownTask,
  type MindDecision,
  type ObservedAction,
  type PlannedAction,
  type PredictedConflict,
  type TheoryOfMindOptions,
} from './theory-of-mind.js';
export {
  COORDINATION_MIGRATIONS,
  MemoryEscalationQueue,
  SqlEscalationQueue,
  type Escalation,
  type EscalationQueue,
  type HumanDecision,
  type NewEscalation,
} from './escalation.js';
export { ConflictMetricsRecorder, type ConflictMetrics } from './metrics.js';
export {
  ConflictResolver,
  type ConflictResolverOptions,
  type ResolveOptions,
  type ResolveOutcome,
} from './resolver.js';
