/**
 * Hydra as an MCP server: its agents and their memory as MCP tools, over stdio or Streamable HTTP.
 * @module
 */
export { createHydraMcpServer, HYDRA_MCP_TOOLS } from './server.js';
export type { HydraMcpDeps, HydraMcpExtension } from './types.js';
export {
  createMcpHttpApp,
  startMcpHttpServer,
  type McpHttpOptions,
  type RunningMcpHttpServer,
} from './http.js';
export { keepStdoutForProtocol, serveHydraMcpStdio } from './stdio.js';
export {
  allowedHostnames,
  checkBearer,
  checkHost,
  checkOrigin,
  generateToken,
  parseAllowedOrigins,
  type Refusal,
} from './security.js';
export { toolError, toolResult } from './results.js';
