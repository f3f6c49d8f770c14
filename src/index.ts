/**
 * Hydra's public library API. Any export added here becomes public API.
 * @module
 */
export * from './errors/index.js';
export * from './models/index.js';
export * from './config/index.js';
export * from './tools/index.js';
export * from './agents/index.js';
