/**
 * `hydra/testing`: tools for testing and benchmarking Hydra without a real model.
 * Any export added here becomes public API.
 * @module
 */
export { SimModelServer } from './sim-model/server.js';
export { FAULT_KINDS, parseSimModelOptions, simModelOptionsSchema } from './sim-model/options.js';
export type {
  FaultKind,
  ResolvedSimModelOptions,
  SimModelOptions,
  SimReply,
  SimReplyTokens,
  SimRule,
  SimToolCall,
} from './sim-model/options.js';
export type { SimEndpoint, SimModelStats } from './sim-model/stats.js';
/** A seedable PRNG (mulberry32) for deterministic test and benchmark data. */
export { mulberry32 as seededRandom } from './sim-model/random.js';
