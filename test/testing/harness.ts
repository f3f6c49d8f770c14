import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach } from 'vitest';

import { SimModelServer, type SimModelOptions } from '../../src/testing/index.js';

/** Returns a starter for simulated servers on random ports; every server it started is stopped after each test. */
export function useSimServers(): (options?: SimModelOptions) => Promise<SimModelServer> {
  const servers: SimModelServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });
  return async (options = {}) => {
    const server = new SimModelServer(options);
    servers.push(server);
    await server.start(0);
    return server;
  };
}

/** The real OpenAI SDK client, pointed at a simulated server, with SDK retries off so tests see every failure. */
export function openAIClientFor(server: SimModelServer): OpenAI {
  return new OpenAI({ baseURL: server.baseUrl, apiKey: 'sim', maxRetries: 0 });
}

/** The real Anthropic SDK client; it appends /v1/messages itself, so it gets the server root. */
export function anthropicClientFor(server: SimModelServer): Anthropic {
  return new Anthropic({ baseURL: server.rootUrl, apiKey: 'sim', maxRetries: 0 });
}

/** Starts simulated servers (stopped after each test) and hands back each with an OpenAI client on it. */
export function useOpenAISims(): (
  options?: SimModelOptions,
) => Promise<{ server: SimModelServer; client: OpenAI }> {
  const startServer = useSimServers();
  return async (options = {}) => {
    const server = await startServer(options);
    return { server, client: openAIClientFor(server) };
  };
}

/** Polls until `condition` holds; for server state that changes after a response has been sent. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
