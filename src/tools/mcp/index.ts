/**
 * MCP client: Hydra agents use the tools, resources and prompts of MCP servers (stdio and Streamable HTTP)
 * through the official SDK's v2 client. See docs/mcp-client.md.
 * Any export added here becomes public API.
 * @module
 */
export {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  mcpServersSchema,
  parseMcpServers,
  type McpHttpServerConfig,
  type McpServerConfig,
  type McpServersConfig,
  type McpServersInput,
  type McpStdioServerConfig,
  type McpVersionNegotiation,
} from './config.js';
export { McpConnection } from './connection.js';
export {
  McpHub,
  type McpConnectReport,
  type McpHubOptions,
  type McpHubToolInfo,
  type McpServerStatus,
} from './hub.js';
export { formatCallResult } from './results.js';
export { defaultToolName, mapAnnotations, type McpToolNamer } from './tool.js';
export {
  DEFAULT_RECONNECT,
  type McpConnectionOptions,
  type McpReconnectPolicy,
  type McpCallOptions,
  type McpCallResult,
  type McpConnectionEvents,
  type McpConnectionState,
  type McpContentBlock,
  type McpProgress,
  type McpRequestOptions,
  type McpToolHints,
  type McpToolInfo,
} from './types.js';
