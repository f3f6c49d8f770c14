import type { Stream } from 'node:stream';

import {
  StreamableHTTPClientTransport,
  type Transport,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import type { McpServerConfig } from './config.js';

/** One transport instance per connection attempt: the SDK's transports cannot be restarted after close. */
export interface OpenedTransport {
  transport: Transport;
  /** The stdio child's pid while it runs. */
  pid(): number | undefined;
  /** The last lines the stdio server wrote to stderr, for error messages. */
  stderrTail(): string;
  /** Ends the HTTP session on the server (DELETE), so it can free it now rather than on expiry. */
  terminate?: () => Promise<void>;
}

const STDERR_TAIL_LINES = 20;

/** The SDK streams' own resumption is kept short: a lost stream is probed and, if dead, the connection is rebuilt. */
const HTTP_STREAM_RECONNECTION = {
  initialReconnectionDelay: 200,
  maxReconnectionDelay: 1_000,
  reconnectionDelayGrowFactor: 2,
  maxRetries: 2,
};

export function openTransport(config: McpServerConfig, onStderr?: (line: string) => void): OpenedTransport {
  if (config.transport === 'http') {
    const transport = new StreamableHTTPClientTransport(new URL(config.url), {
      ...(config.headers ? { requestInit: { headers: config.headers } } : {}),
      reconnectionOptions: HTTP_STREAM_RECONNECTION,
    });
    return {
      transport,
      pid: () => undefined,
      stderrTail: () => '',
      terminate: () => transport.terminateSession(),
    };
  }
  const transport = new StdioClientTransport({
    command: config.command,
    args: config.args,
    ...(config.env ? { env: config.env } : {}),
    ...(config.cwd !== undefined ? { cwd: config.cwd } : {}),
    // Piped, not inherited: a server's log lines must not interleave with Hydra's own stdout/stderr output.
    stderr: 'pipe',
  });
  const tail: string[] = [];
  collectLines(transport.stderr, (line) => {
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    onStderr?.(line);
  });
  return { transport, pid: () => transport.pid ?? undefined, stderrTail: () => tail.join('\n') };
}

/**
 * `legacy` for stdio unless configured: the reference servers speak only the 2025 era, and `auto` on stdio
 * spawns a throwaway sibling process for the probe on every connect. HTTP probes on the same connection, so
 * `auto` there costs one request and finds 2026-07-28 servers.
 */
export function negotiationMode(config: McpServerConfig): VersionNegotiationMode {
  return config.versionNegotiation ?? (config.transport === 'http' ? 'auto' : 'legacy');
}

function collectLines(stream: Stream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let pending = '';
  stream.on('data', (chunk: Buffer | string) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  });
}
