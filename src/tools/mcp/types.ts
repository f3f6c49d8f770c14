import type { ContentBlock, Implementation, Progress, Tool } from '@modelcontextprotocol/client';

import type { HydraError } from '../../errors/index.js';
import type { BackoffPolicy } from './support.js';

/** One content block of a tool result (text, image, audio, resource link, embedded resource), as MCP defines it. */
export type McpContentBlock = ContentBlock;

/** `notifications/progress` payload: `progress` grows, `total` and `message` are optional. */
export type McpProgress = Progress;

/** The raw MCP tool annotations. Hints from the server: untrusted unless the server is. */
export interface McpToolHints {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** A tool as a server lists it, with the server's name attached. */
export interface McpToolInfo {
  server: string;
  /** The tool's MCP name, as the server knows it (not Hydra's `<server>__<tool>` name). */
  name: string;
  title?: string;
  description: string;
  /** JSON Schema of the arguments (an object schema), passed to models unchanged. */
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations: McpToolHints;
  /** `required` tools can only run as MCP tasks, which this client does not drive; they are not offered to models. */
  taskSupport?: 'forbidden' | 'optional' | 'required';
}

/** What `tools/call` returned. `isError` is the tool's own failure report, not a protocol error. */
export interface McpCallResult {
  content: McpContentBlock[];
  structuredContent?: unknown;
  isError: boolean;
}

export interface McpRequestOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the server's `timeoutMs` for this request. */
  timeoutMs?: number | undefined;
}

export interface McpCallOptions extends McpRequestOptions {
  /** Asks the server for progress notifications and receives them. */
  onProgress?: ((progress: McpProgress) => void) | undefined;
}

/**
 * `idle` before the first connect; `disconnected` after the server died or a connect failed (the next request
 * reconnects); `closed` after `close()`, for good.
 */
export type McpConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface McpConnectionEvents {
  /** The cached tool list changed: after `notifications/tools/list_changed`, or a reconnect found other tools. */
  toolsChanged: { server: string; tools: readonly McpToolInfo[]; reason: 'list_changed' | 'reconnected' };
  stateChanged: { server: string; state: McpConnectionState; error?: HydraError | undefined };
}

export interface McpReconnectPolicy extends BackoffPolicy {
  /** Connect attempts one request makes (waiting the backoff between them) before it fails. */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT: McpReconnectPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  maxAttempts: 3,
};

export interface McpConnectionOptions {
  /** How Hydra introduces itself in `initialize` / `_meta`; default `hydra` and the package version. */
  clientInfo?: Implementation;
  reconnect?: Partial<McpReconnectPolicy>;
  /** Each line a stdio server writes to stderr (they log there); by default only the last lines are kept. */
  onStderr?: (line: string) => void;
}

export function toToolInfo(server: string, tool: Tool): McpToolInfo {
  const annotations: McpToolHints = {};
  for (const key of [
    'title',
    'readOnlyHint',
    'destructiveHint',
    'idempotentHint',
    'openWorldHint',
  ] as const) {
    const value = tool.annotations?.[key];
    if (value !== undefined) (annotations as Record<string, unknown>)[key] = value;
  }
  const title = tool.title ?? tool.annotations?.title;
  const taskSupport = tool.execution?.taskSupport;
  return {
    server,
    name: tool.name,
    ...(title !== undefined ? { title } : {}),
    description: tool.description ?? '',
    inputSchema: tool.inputSchema as Record<string, unknown>,
    ...(tool.outputSchema !== undefined
      ? { outputSchema: tool.outputSchema as Record<string, unknown> }
      : {}),
    annotations,
    ...(taskSupport !== undefined ? { taskSupport } : {}),
  };
}
