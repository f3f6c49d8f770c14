/**
 * Swarm coordination: stigmergy (agents steer each other through traces in a shared environment),
 * confidence-weighted consensus, and particle swarm optimisation. Any export added here becomes public API.
 * @module
 */
export {
  DEFAULT_TRACE_TTL_MS,
  InProcessStigmergy,
  type DepositOptions,
  type InProcessStigmergyOptions,
  type StigmergyEnvironment,
  type Trace,
} from './stigmergy.js';
export { RedisStigmergy, type RedisStigmergyOptions } from './redis-stigmergy.js';
export {
  ISSUES_FOUND,
  REVIEWING,
  reviewSwarm,
  type CompletedReview,
  type ReviewOutcome,
  type ReviewSwarmOptions,
  type ReviewSwarmResult,
} from './review-swarm.js';
export {
  mergeBeliefs,
  reachConsensus,
  type Belief,
  type ConsensusOptions,
  type ConsensusResult,
} from './consensus.js';
export {
  optimizeSwarm,
  type ParameterRange,
  type Position,
  type PsoOptions,
  type PsoResult,
  type SearchSpace,
} from './pso.js';
