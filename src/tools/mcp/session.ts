import { createRequire } from 'node:module';

import { Client, type Implementation, type RequestOptions } from '@modelcontextprotocol/client';

import type { McpServerConfig } from './config.js';
import { connectError } from './errors.js';
import { negotiationMode, openTransport, type OpenedTransport } from './transport.js';
import { toToolInfo, type McpToolInfo } from './types.js';

/** One SDK client on one transport: what a connect attempt produces and a reconnect replaces. */
export interface Session {
  client: Client;
  opened: OpenedTransport;
}

export interface SessionSetup {
  server: string;
  config: McpServerConfig;
  clientInfo: Implementation;
  onStderr?: ((line: string) => void) | undefined;
  /** Aborts the handshake (the connection is being closed). */
  signal: AbortSignal;
  onToolListChanged(): void;
  onClose(): void;
  onError(): void;
}

/** Liveness probe after an HTTP stream error; short, since it only has to tell a dead server from a live one. */
const PROBE_TIMEOUT_MS = 5_000;

/** A fresh client and transport (a new process for stdio), connected, with the tool list fetched. */
export async function openSession(setup: SessionSetup): Promise<{ session: Session; tools: McpToolInfo[] }> {
  const opened = openTransport(setup.config, setup.onStderr);
  const client = new Client(setup.clientInfo, {
    versionNegotiation: { mode: negotiationMode(setup.config) },
    listChanged: {
      // Refreshed by the connection (not the SDK) so the cache, the timeout and the event come from one place.
      tools: { autoRefresh: false, debounceMs: 50, onChanged: () => setup.onToolListChanged() },
    },
  });
  client.onclose = () => setup.onClose();
  client.onerror = () => setup.onError();
  const timeoutMs = setup.config.connectTimeoutMs;
  const request = { timeout: timeoutMs, signal: setup.signal };
  try {
    await client.connect(opened.transport, request);
    const tools = await fetchTools(setup.server, client, request);
    return { session: { client, opened }, tools };
  } catch (error) {
    await client.close().catch(() => undefined);
    // A server that failed its handshake gets a short grace: there is no session state to shut down cleanly.
    await opened.reap?.(200);
    throw connectError(error, {
      server: setup.server,
      operation: 'connect',
      timeoutMs,
      stderr: opened.stderrTail(),
      ...(setup.config.versionNegotiation !== undefined
        ? { negotiation: setup.config.versionNegotiation }
        : {}),
    });
  }
}

export async function fetchTools(
  server: string,
  client: Client,
  request: RequestOptions,
): Promise<McpToolInfo[]> {
  if (!client.getServerCapabilities()?.tools) return [];
  // Without a cursor the SDK walks every page (up to its 64-page cap) and returns them joined.
  const { tools } = await client.listTools(undefined, request);
  return tools.map((tool) => toToolInfo(server, tool));
}

/** Resolves if the server still answers this session; `ping` is gone in the modern era, `server/discover` is not. */
export async function probeSession(session: Session): Promise<void> {
  const client = session.client;
  const request = { timeout: PROBE_TIMEOUT_MS };
  if (client.getProtocolEra() === 'modern') await client.discover(request);
  else await client.ping(request);
}

/** Ends a session: the stdio process is stopped, the HTTP session deleted on the server. */
export async function closeSession(session: Session): Promise<void> {
  await session.opened.terminate?.();
  await session.client.close().catch(() => undefined);
  await session.opened.reap?.();
}

export function hydraVersion(): string {
  try {
    // src/tools/mcp and dist/tools/mcp are both three levels below the package root.
    return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
