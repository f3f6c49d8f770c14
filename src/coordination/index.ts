/**
 * Coordination: a message bus and task queues (in process and on Redis), swarm patterns (stigmergy,
 * consensus, particle swarm optimisation) and conflict resolution. Any export added here becomes public API.
 * @module
 */
export * from './bus/index.js';
export * from './queue/index.js';
export * from './swarm/index.js';
export * from './conflicts/index.js';
