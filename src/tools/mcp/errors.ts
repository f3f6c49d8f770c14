import {
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
} from '@modelcontextprotocol/client';

import { AbortedError, ConfigError, HydraError, ToolError, UserError } from '../../errors/index.js';

/**
 * Maps what the MCP SDK throws to Hydra's taxonomy. Until `src/errors` has a tool family, MCP failures are
 * `ToolError`s and `data.server` / `data.operation` say
 * which server and request; `retryable` is true exactly when trying again later can succeed.
 */

export interface McpErrorContext {
  server: string;
  /** `tools/call get-sum`, `resources/read file:///x`, `connect`, ... */
  operation: string;
  /** The caller's signal: the SDK reports an abort as REQUEST_TIMEOUT, so the signal is what tells them apart. */
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/** The request was never processed because the server forgot our session (restarted, expired): safe to redo. */
export function isSessionLost(error: unknown): boolean {
  if (!(error instanceof SdkHttpError)) return false;
  const status = error.status;
  // 404 is the spec's answer to an unknown Mcp-Session-Id; SDK-based servers answer 400 "No valid session ID".
  return status === 404 || (status === 400 && /session/i.test(error.message));
}

/** The connection (process, socket, session) is gone: in-flight requests are lost and the next one must reconnect. */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof SdkError) {
    return (
      error.code === SdkErrorCode.ConnectionClosed ||
      error.code === SdkErrorCode.NotConnected ||
      error.code === SdkErrorCode.SendFailed ||
      isSessionLost(error)
    );
  }
  // Undici's network failure and the SDK's plain "Not connected" after a transport closed.
  return error instanceof Error && /^(fetch failed|Not connected)$/.test(error.message);
}

export function toHydraError(error: unknown, context: McpErrorContext): HydraError {
  if (HydraError.isInstance(error)) return error;
  const { server, operation } = context;
  const data: Record<string, unknown> = { server, operation };
  const cause = error;
  if (context.signal?.aborted) {
    return new AbortedError(`MCP ${operation} on server "${server}" was aborted.`, { cause, data });
  }
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof SdkError) {
    data['sdkCode'] = error.code;
    if (error.code === SdkErrorCode.RequestTimeout) {
      const within = context.timeoutMs === undefined ? '' : ` within ${context.timeoutMs} ms`;
      return new ToolError('tool_timeout', `MCP server "${server}" did not answer ${operation}${within}.`, {
        cause,
        data,
        retryable: true,
      });
    }
    const status = error instanceof SdkHttpError ? error.status : undefined;
    if (
      error.code === SdkErrorCode.ClientHttpAuthentication ||
      error.code === SdkErrorCode.ClientHttpForbidden ||
      status === 401 ||
      status === 403
    ) {
      return new ToolError('tool_auth_failed', `MCP server "${server}" refused ${operation}: ${detail}`, {
        cause,
        data,
      });
    }
    if (error.code === SdkErrorCode.InvalidResult || error.code === SdkErrorCode.UnsupportedResultType) {
      return new ToolError(
        'tool_protocol_error',
        `MCP server "${server}" sent an unusable answer to ${operation}: ${detail}`,
        { cause, data },
      );
    }
  }
  if (isConnectionLost(error)) {
    return new ToolError(
      'tool_unavailable',
      `Lost the connection to MCP server "${server}" during ${operation} (${detail}); the next call reconnects.`,
      { cause, data, retryable: true },
    );
  }
  if (error instanceof ProtocolError) {
    data['mcpCode'] = error.code;
    // -32603 is the server's own failure; everything else is a request it rejected (bad params, unknown method).
    const internal = error.code === ProtocolErrorCode.InternalError;
    return new ToolError(
      internal ? 'tool_unavailable' : 'tool_protocol_error',
      `MCP server "${server}" rejected ${operation}: ${detail}`,
      { cause, data, retryable: internal },
    );
  }
  return new ToolError('tool_unavailable', `MCP ${operation} on server "${server}" failed: ${detail}`, {
    cause,
    data,
    retryable: false,
  });
}

/** A failed connect: a missing executable is the user's config to fix; anything else is the server's side. */
export function connectError(
  error: unknown,
  context: McpErrorContext & { stderr?: string; negotiation?: unknown },
): HydraError {
  const code = error instanceof Error && 'code' in error ? (error as { code: unknown }).code : undefined;
  const tail = context.stderr ? `\nServer stderr (last lines):\n${context.stderr}` : '';
  if (code === 'ENOENT' || code === 'EACCES') {
    return new ConfigError(
      `MCP server "${context.server}" could not be started: ${(error as Error).message}. Fix mcpServers.${context.server}.command.`,
      { cause: error, data: { field: `mcpServers.${context.server}.command`, server: context.server } },
    );
  }
  const data = { server: context.server, operation: 'connect' };
  const detail = error instanceof Error ? error.message : String(error);
  // The SDK also reports a probe that could not reach the server as a failed era negotiation.
  const unreachable = /fetch failed|ECONNREFUSED|ENOTFOUND|network/i.test(detail);
  if (error instanceof SdkError && error.code === SdkErrorCode.EraNegotiationFailed && !unreachable) {
    const configured =
      context.negotiation === undefined
        ? ''
        : ` (versionNegotiation: ${JSON.stringify(context.negotiation)})`;
    return new ToolError(
      'tool_protocol_error',
      `MCP server "${context.server}" and Hydra found no protocol version in common${configured}: ${detail}. ` +
        `Set mcpServers.${context.server}.versionNegotiation to "auto" or "legacy".`,
      { cause: error, data: { ...data, sdkCode: error.code } },
    );
  }
  if (unreachable || isConnectionLost(error)) {
    return new ToolError(
      'tool_unavailable',
      `Could not connect to MCP server "${context.server}": ${detail}.${tail}`,
      { cause: error, data, retryable: true },
    );
  }
  const mapped = toHydraError(error, context);
  if (!(mapped instanceof ToolError) || tail === '') return mapped;
  return new ToolError(mapped.code, `${mapped.message}${tail}`, {
    cause: mapped.cause ?? error,
    data: mapped.data,
    retryable: mapped.retryable,
  });
}

/** A request during the backoff after failed reconnects. */
export function backingOffError(
  server: string,
  lastError: HydraError | undefined,
  waitMs: number,
): ToolError {
  return new ToolError(
    'tool_unavailable',
    `MCP server "${server}" is unavailable (${lastError?.message ?? 'connect failed'}); ` +
      `next reconnect attempt in ${waitMs} ms.`,
    { retryable: true, cause: lastError, data: { server, retryAfterMs: waitMs } },
  );
}

export function closedError(server: string): UserError {
  return new UserError('invalid_input', `The connection to MCP server "${server}" is closed.`, {
    data: { server },
  });
}
