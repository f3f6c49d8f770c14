import type { Stream } from 'node:stream';

import {
  StreamableHTTPClientTransport,
  type Transport,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import type { McpServerConfig } from './config.js';
import { settleWithin } from './support.js';

/** One transport instance per connection attempt: the SDK's transports cannot be restarted after close. */
export interface OpenedTransport {
  transport: Transport;
  /** The stdio child's pid while it runs. */
  pid(): number | undefined;
  /** The last lines the stdio server wrote to stderr, for error messages. */
  stderrTail(): string;
  /** HTTP, before `client.close()` (which aborts its requests): ends the session on the server, bounded. */
  terminate?: () => Promise<void>;
  /**
   * stdio, after `client.close()`: waits until the process has exited, escalating to SIGTERM and SIGKILL.
   * The SDK does the same but on unref'd timers, so an exiting host would orphan a server ignoring stdin EOF.
   */
  reap?: (graceMs?: number) => Promise<void>;
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
      terminate: () => settleWithin(transport.terminateSession(), 1_000),
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
  // The pid is captured at spawn because the SDK forgets it on close, which a failed connect does by itself.
  let pid: number | undefined;
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    pid = transport.pid ?? undefined;
  };
  const tail: string[] = [];
  collectLines(transport.stderr, (line) => {
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    onStderr?.(line);
  });
  return {
    transport,
    pid: () => transport.pid ?? undefined,
    stderrTail: () => tail.join('\n'),
    reap: (graceMs = 2_000) => (pid === undefined ? Promise.resolve() : stopProcess(pid, graceMs)),
  };
}

/**
 * `legacy` for stdio unless configured: the reference servers speak only the 2025 era, and `auto` on stdio
 * spawns a throwaway sibling process for the probe on every connect. HTTP probes on the same connection, so
 * `auto` there costs one request and finds 2026-07-28 servers.
 */
export function negotiationMode(config: McpServerConfig): VersionNegotiationMode {
  return config.versionNegotiation ?? (config.transport === 'http' ? 'auto' : 'legacy');
}

/** The spec's stdio shutdown after stdin was closed: wait, SIGTERM, wait, SIGKILL. */
async function stopProcess(pid: number, graceMs: number): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    if (await exited(pid, signal === 'SIGTERM' ? graceMs : 2_000)) return;
    try {
      process.kill(pid, signal);
    } catch {
      return; // already gone
    }
  }
}

async function exited(pid: number, withinMs: number): Promise<boolean> {
  const end = Date.now() + withinMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    if (Date.now() >= end) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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
