import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { serve } from '@hono/node-server';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';

import { describeError, UserError } from '../../errors/index.js';
import { checkBearer, checkHost, checkOrigin, type Refusal } from './security.js';
import { createHydraMcpServer } from './server.js';
import type { HydraMcpDeps } from './types.js';

export interface McpHttpOptions {
  deps: HydraMcpDeps;
  /** The bearer token every `/mcp` request must carry. */
  token: string;
  /** Hostnames the `Host` header may name (see `allowedHostnames`). */
  allowedHosts: readonly string[];
  /** Non-local browser origins allowed to call, exactly (see `parseAllowedOrigins`). */
  allowedOrigins?: readonly string[] | undefined;
  /** Transport errors and rejected requests, for the server's log. */
  onError?: ((error: Error) => void) | undefined;
}

const MCP_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'Mcp-Method',
  'Mcp-Name',
  'Last-Event-ID',
];

function refuse(c: Context, refusal: Refusal): Response {
  return c.json(refusal.body, refusal.status, refusal.headers ?? {});
}

/**
 * The HTTP face of a Hydra MCP server: Streamable HTTP at `/mcp` behind Host (DNS rebinding), Origin and
 * bearer-token checks, and an unauthenticated `/health`. Each MCP request gets a fresh server on the shared
 * deps (the SDK's stateless per-request model, which serves both 2025-era and 2026-era clients).
 */
export function createMcpHttpApp(options: McpHttpOptions): { app: Hono; close(): Promise<void> } {
  const allowedOrigins = options.allowedOrigins ?? [];
  const handler = createMcpHandler(() => createHydraMcpServer(options.deps), {
    ...(options.onError ? { onerror: options.onError } : {}),
  });
  const app = new Hono();
  app.use('*', async (c, next) => {
    const refusal =
      checkHost(c.req.header('host'), options.allowedHosts) ??
      checkOrigin(c.req.header('origin'), allowedOrigins);
    if (refusal) return refuse(c, refusal);
    await next();
    return undefined;
  });
  // Browsers on an allowed origin need CORS; the origin was checked above, so reflecting it is safe.
  app.use(
    '/mcp',
    cors({
      origin: (origin) => origin,
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: MCP_HEADERS,
      exposeHeaders: ['Mcp-Session-Id', 'WWW-Authenticate'],
    }),
  );
  app.get('/health', (c) => c.json({ status: 'ok', server: 'hydra' }));
  app.all('/mcp', async (c) => {
    const refusal = checkBearer(c.req.header('authorization'), options.token);
    if (refusal) return refuse(c, refusal);
    return handler.fetch(c.req.raw);
  });
  app.notFound((c) =>
    c.json({ error: 'not_found', message: `Nothing at ${c.req.path}; the MCP endpoint is /mcp.` }, 404),
  );
  app.onError((error, c) => {
    options.onError?.(error);
    return c.json({ error: 'internal', message: `Internal error in Hydra: ${describeError(error)}` }, 500);
  });
  return { app, close: () => handler.close() };
}

export interface RunningMcpHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:7331/mcp`. */
  url: string;
  port: number;
  /** Stops accepting connections, ends open ones and closes the MCP handler. */
  close(): Promise<void>;
}

/** Serves {@link createMcpHttpApp} on `host:port` (port 0 picks a free one). */
export async function startMcpHttpServer(
  options: McpHttpOptions & { port: number; host: string },
): Promise<RunningMcpHttpServer> {
  const { app, close } = createMcpHttpApp(options);
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve(
      // Embedders (and tests) may run this in their own process: leave its global Request/Response alone.
      { fetch: app.fetch, port: options.port, hostname: options.host, overrideGlobalObjects: false },
      () => resolve(created as Server),
    );
    created.once('error', (error) =>
      reject(
        new UserError(
          'invalid_input',
          `The MCP server could not listen on ${options.host}:${options.port}: ${describeError(error)}`,
          { cause: error, data: { host: options.host, port: options.port } },
        ),
      ),
    );
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostPart}:${port}/mcp`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await close();
    },
  };
}
