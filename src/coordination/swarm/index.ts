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
