/**
 * SimModelServer: a scripted stand-in for an LLM endpoint, speaking the OpenAI and Anthropic wire
 * protocols over real HTTP so tests and benchmarks exercise the real SDK clients. It is never a model.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { serve } from '@hono/node-server';
import { Hono } from 'hono';

import { UserError } from '../../errors/index.js';
import { registerAnthropicRoutes } from './anthropic-routes.js';
import { SimEngine } from './engine.js';
import { anthropicError, openAiError } from './errors.js';
import type { SimEnv } from './http.js';
import { nowSeconds, sendError } from './http.js';
import { registerOpenAiRoutes } from './openai-routes.js';
import type { SimModelOptions } from './options.js';
import { parseSimModelOptions } from './options.js';
import type { SimEndpoint, SimModelStats } from './stats.js';

const ENDPOINTS: Record<string, SimEndpoint> = {
  '/v1/chat/completions': 'chatCompletions',
  '/v1/messages': 'messages',
  '/v1/embeddings': 'embeddings',
  '/v1/models': 'models',
};

function endpointOf(path: string): SimEndpoint {
  return ENDPOINTS[path] ?? (path.startsWith('/v1/models/') ? 'models' : 'other');
}

export class SimModelServer {
  private readonly engine: SimEngine;
  private readonly app: Hono<SimEnv>;
  private server: Server | undefined;
  private root: string | undefined;
  private startedAt = nowSeconds();

  constructor(options: SimModelOptions = {}) {
    this.engine = new SimEngine(parseSimModelOptions(options));
    this.app = this.buildApp();
  }

  private buildApp(): Hono<SimEnv> {
    const app = new Hono<SimEnv>();
    const engine = this.engine;
    // Only the model API is counted; /sim and /health are the harness talking to itself.
    app.use('/v1/*', async (c, next) => {
      c.set('silent', false);
      engine.stats.request(endpointOf(c.req.path));
      await next();
      if (!c.get('silent')) engine.stats.response(c.res.status);
    });
    registerOpenAiRoutes(app, engine, () => this.startedAt);
    registerAnthropicRoutes(app, engine);
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.get('/sim/stats', (c) => c.json(engine.snapshot()));
    app.post('/sim/reset', (c) => {
      // `?scope=all` also rewinds the script and fault sequence, for rerunning a scenario on one server.
      if (c.req.query('scope') === 'all') this.reset();
      else this.resetStats();
      return c.json({ ok: true });
    });
    app.notFound((c) => {
      const message = `Invalid URL (${c.req.method} ${c.req.path})`;
      const failure = { kind: 'not_found', message } as const;
      return sendError(c, c.req.path === '/v1/messages' ? anthropicError(failure) : openAiError(failure));
    });
    app.onError((error, c) => {
      const wire = openAiError({ kind: 'server_error' });
      return c.json({ error: { ...(wire.body['error'] as object), message: String(error) } }, 500);
    });
    return app;
  }

  /** Listens on `port` (0 picks a free one) and resolves with the OpenAI base URL (`.../v1`). */
  async start(port = 0, host = '127.0.0.1'): Promise<{ url: string; port: number }> {
    if (this.server) {
      throw new UserError('invalid_input', 'SimModelServer is already started; stop() it first.', {
        data: { url: this.baseUrl },
      });
    }
    // The tokenizer builds its ranks lazily (hundreds of ms); paying it here keeps it out of request latency.
    this.engine.tokenizer.count('warm up');
    const server = await new Promise<Server>((resolve, reject) => {
      const created = serve(
        // The simulator runs inside test processes; replacing their global Request/Response would leak.
        { fetch: this.app.fetch, port, hostname: host, overrideGlobalObjects: false },
        () => resolve(created as Server),
      );
      created.once('error', (error) =>
        reject(
          new UserError(
            'invalid_input',
            `SimModelServer could not listen on ${host}:${port}: ${String(error)}`,
            {
              cause: error,
              data: { host, port },
            },
          ),
        ),
      );
    });
    const address = server.address() as AddressInfo;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    this.server = server;
    this.root = `http://${hostPart}:${address.port}`;
    this.startedAt = nowSeconds();
    return { url: this.baseUrl, port: address.port };
  }

  /** Closes the server; hanging, queued and streaming requests are aborted and their slots freed. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.root = undefined;
    this.engine.stopAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** The OpenAI-style base URL, e.g. `http://127.0.0.1:4100/v1`. */
  get baseUrl(): string {
    return `${this.rootUrl}/v1`;
  }

  /** The server root, e.g. `http://127.0.0.1:4100`: the base URL for the Anthropic SDK, which appends `/v1`. */
  get rootUrl(): string {
    if (this.root === undefined) {
      throw new UserError('invalid_input', 'SimModelServer is not started; call start() first.');
    }
    return this.root;
  }

  stats(): SimModelStats {
    return this.engine.snapshot();
  }

  resetStats(): void {
    this.engine.resetStats();
  }

  /** Resets stats and rewinds rule `times` budgets and the fault sequence, as if freshly started. */
  reset(): void {
    this.engine.resetStats();
    this.engine.rewind();
  }
}
