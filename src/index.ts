/**
 * Hydra's public library API. Any export added here becomes public API.
 * @module
 */
export * from './errors/index.js';
export * from './models/index.js';
