/**
 * Hydra's public library API. Any export added here becomes public API.
 * @module
 */
export * from './errors/index.js';
export * from './models/index.js';
export * from './config/index.js';
export * from './tools/index.js';
export * from './agents/index.js';
export * from './kernel/index.js';
export * from './store/index.js';
export * from './memory/index.js';
export * from './workflows/index.js';
export * from './teams/index.js';
export * from './coordination/index.js';
export * from './server/mcp/index.js';
