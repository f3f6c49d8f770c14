import { request } from 'node:http';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Kernel } from '../../../src/kernel/index.js';
import { MemoryService } from '../../../src/memory/index.js';
import {
  allowedHostnames,
  parseAllowedOrigins,
  startMcpHttpServer,
  type RunningMcpHttpServer,
} from '../../../src/server/mcp/index.js';
import { TEST_STORES } from '../../memory/stores.js';

const [embedded] = TEST_STORES;
if (!embedded) throw new Error('no test store');

const TOKEN = 'test-token-0123456789';
let opened: Awaited<ReturnType<typeof embedded.open>>;
let kernel: Kernel;
let running: RunningMcpHttpServer;
beforeAll(async () => {
  opened = await embedded.open();
  const memory = await MemoryService.open(opened.store);
  await memory.createAgent({ name: 'ada' });
  kernel = new Kernel();
  running = await startMcpHttpServer({
    deps: { memory, kernel },
    token: TOKEN,
    port: 0,
    host: '127.0.0.1',
    allowedHosts: allowedHostnames('127.0.0.1'),
    allowedOrigins: parseAllowedOrigins(['https://app.example.com']),
  });
});
afterAll(async () => {
  await running.close();
  await kernel.close();
  await opened.dispose();
});

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

function post(headers: Record<string, string>): Promise<Response> {
  return fetch(running.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: INITIALIZE,
  });
}

describe('Hydra MCP over Streamable HTTP', () => {
  it('answers /health without a token', async () => {
    const response = await fetch(running.url.replace(/\/mcp$/, '/health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', server: 'hydra' });
  });

  it('refuses a missing or wrong token with 401 and a JSON body', async () => {
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await missing.json()).toMatchObject({
      error: 'unauthorized',
      message: expect.stringContaining('Bearer'),
    });

    const wrong = await post({ authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('refuses a foreign Origin with 403, allows local and listed ones', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const foreign = await post({ ...auth, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({
      error: 'forbidden_origin',
      message: expect.stringContaining('--allow-origin'),
    });
    expect((await post({ ...auth, origin: 'null' })).status).toBe(403);
    expect((await post({ ...auth, origin: 'http://localhost:5173' })).status).toBe(200);
    const listed = await post({ ...auth, origin: 'https://app.example.com' });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('refuses a foreign Host header with 403 (DNS rebinding)', async () => {
    const { port } = running;
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/mcp',
          method: 'POST',
          headers: { host: `attacker.example:${port}` },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(INITIALIZE);
    });
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body)).toMatchObject({ error: 'forbidden_host' });
  });

  it('serves the SDK client with the right token', async () => {
    const client = new Client({ name: 'hydra-http-test', version: '0.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(running.url), {
        requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(7);
      const listed = await client.callTool({ name: 'list_agents', arguments: {} });
      expect(listed.structuredContent).toMatchObject({ agents: [{ name: 'ada' }] });
    } finally {
      await client.close();
    }
  });

  it('fails the SDK client with a wrong token', async () => {
    const client = new Client({ name: 'hydra-http-test', version: '0.0.0' });
    await expect(
      client.connect(
        new StreamableHTTPClientTransport(new URL(running.url), {
          requestInit: { headers: { Authorization: 'Bearer nope' } },
        }),
      ),
    ).rejects.toThrow();
  });
});
