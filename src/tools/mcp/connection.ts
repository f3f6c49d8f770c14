import { createRequire } from 'node:module';

import {
  Client,
  type Implementation,
  type ProtocolEra,
  type RequestOptions,
} from '@modelcontextprotocol/client';
import type { GetPromptResult, Prompt, ReadResourceResult, Resource } from '@modelcontextprotocol/client';

import { ConfigError, HydraError, ProviderError, UserError } from '../../errors/index.js';
import type { McpServerConfig } from './config.js';
import { connectError, isConnectionLost, isSessionLost, toHydraError } from './errors.js';
import { abortable, backoffDelay, Emitter, settleWithin, sleep, type BackoffPolicy } from './support.js';
import { negotiationMode, openTransport, type OpenedTransport } from './transport.js';
import {
  toToolInfo,
  type McpCallOptions,
  type McpCallResult,
  type McpConnectionEvents,
  type McpConnectionState,
  type McpRequestOptions,
  type McpToolInfo,
} from './types.js';

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

/** Liveness probe after an HTTP stream error; short, since it only has to tell a dead server from a live one. */
const PROBE_TIMEOUT_MS = 5_000;

interface Live {
  client: Client;
  opened: OpenedTransport;
  generation: number;
}

/** One MCP server: connects lazily or on `connect()`, caches its tools, and reconnects after it dies. */
export class McpConnection {
  readonly name: string;
  readonly config: McpServerConfig;
  readonly #clientInfo: Implementation;
  readonly #policy: McpReconnectPolicy;
  readonly #onStderr: ((line: string) => void) | undefined;
  readonly #events = new Emitter<McpConnectionEvents>();
  readonly #closing = new AbortController();
  #state: McpConnectionState = 'idle';
  #live: Live | undefined;
  #connecting: Promise<Live> | undefined;
  #tools: McpToolInfo[] = [];
  #everConnected = false;
  #lastError: HydraError | undefined;
  #failures = 0;
  #retryAt = 0;
  #generation = 0;
  #probing = false;

  constructor(name: string, config: McpServerConfig, options: McpConnectionOptions = {}) {
    this.name = name;
    this.config = config;
    this.#clientInfo = options.clientInfo ?? { name: 'hydra', version: hydraVersion() };
    this.#policy = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.#onStderr = options.onStderr;
  }

  get state(): McpConnectionState {
    return this.#state;
  }
  /** Why the connection is down (the last connect failure or how it was lost). */
  get lastError(): HydraError | undefined {
    return this.#lastError;
  }
  /** The stdio server's process id while it runs. */
  get pid(): number | undefined {
    return this.#live?.opened.pid();
  }
  get protocolEra(): ProtocolEra | undefined {
    return this.#live?.client.getProtocolEra();
  }
  get protocolVersion(): string | undefined {
    return this.#live?.client.getNegotiatedProtocolVersion();
  }
  get serverInfo(): Implementation | undefined {
    return this.#live?.client.getServerVersion();
  }
  get instructions(): string | undefined {
    return this.#live?.client.getInstructions();
  }
  /** The tools as last listed; kept while disconnected so a reconnect can tell whether they changed. */
  get tools(): readonly McpToolInfo[] {
    return this.#tools;
  }

  on<Name extends keyof McpConnectionEvents>(
    event: Name,
    listener: (payload: McpConnectionEvents[Name]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Connects (one attempt) and lists the tools; rejects with a typed error if the server cannot be reached. */
  async connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#ensureConnected(options.signal, 1);
  }

  /** Lists the tools again (every page) and updates the cache. */
  async listTools(options: McpRequestOptions = {}): Promise<McpToolInfo[]> {
    const tools = await this.#request('tools/list', options, (client, request) =>
      this.#fetchTools(client, request),
    );
    this.#tools = tools;
    return tools;
  }

  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: McpCallOptions = {},
  ): Promise<McpCallResult> {
    return this.#request(`tools/call ${name}`, options, async (client, request) => {
      const result = await client.callTool(
        { name, arguments: args },
        { ...request, ...(options.onProgress ? { onprogress: options.onProgress } : {}) },
      );
      const content = Array.isArray(result.content) ? result.content : [];
      return {
        content,
        ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
        isError: result.isError === true,
      };
    });
  }

  async listResources(options: McpRequestOptions = {}): Promise<Resource[]> {
    return this.#request('resources/list', options, async (client, request) => {
      return (await client.listResources(undefined, request)).resources;
    });
  }

  async readResource(uri: string, options: McpRequestOptions = {}): Promise<ReadResourceResult['contents']> {
    return this.#request(`resources/read ${uri}`, options, async (client, request) => {
      return (await client.readResource({ uri }, request)).contents;
    });
  }

  async listPrompts(options: McpRequestOptions = {}): Promise<Prompt[]> {
    return this.#request('prompts/list', options, async (client, request) => {
      return (await client.listPrompts(undefined, request)).prompts;
    });
  }

  async getPrompt(
    name: string,
    args: Record<string, string> = {},
    options: McpRequestOptions = {},
  ): Promise<GetPromptResult> {
    return this.#request(`prompts/get ${name}`, options, (client, request) =>
      client.getPrompt({ name, arguments: args }, request),
    );
  }

  /** Disconnects for good: stops the stdio process or ends the HTTP session. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    this.#closing.abort();
    await this.#connecting?.catch(() => undefined);
    const live = this.#live;
    this.#live = undefined;
    if (!live) return;
    // Ending the HTTP session frees it on the server; bounded, so a hung server cannot hold up shutdown.
    if (live.opened.terminate) await settleWithin(live.opened.terminate(), 1_000);
    await live.client.close().catch(() => undefined);
  }

  async #request<T>(
    operation: string,
    options: McpRequestOptions,
    run: (client: Client, request: RequestOptions) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs;
    const context = { server: this.name, operation, signal: options.signal, timeoutMs };
    for (let attempt = 0; ; attempt++) {
      const live = await this.#ensureConnected(options.signal, this.#policy.maxAttempts);
      try {
        return await run(live.client, {
          timeout: timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        if (this.#state === 'closed') throw this.#closedError();
        if (isConnectionLost(error)) this.#drop(live, error);
        // A session the server no longer knows never saw this request, so sending it again is safe.
        if (attempt === 0 && isSessionLost(error) && !options.signal?.aborted) continue;
        throw toHydraError(error, context);
      }
    }
  }

  async #ensureConnected(signal: AbortSignal | undefined, maxAttempts: number): Promise<Live> {
    if (this.#state === 'closed') throw this.#closedError();
    if (this.#live) return this.#live;
    const wait = this.#retryAt - Date.now();
    if (!this.#connecting && wait > 0) {
      // Backoff between failed reconnects: fail fast instead of hammering (or respawning) a broken server.
      throw new ProviderError(
        'provider_unavailable',
        `MCP server "${this.name}" is unavailable (${this.#lastError?.message ?? 'connect failed'}); ` +
          `next reconnect attempt in ${wait} ms.`,
        { retryable: true, cause: this.#lastError, data: { server: this.name, retryAfterMs: wait } },
      );
    }
    this.#connecting ??= this.#connectLoop(maxAttempts).finally(() => {
      this.#connecting = undefined;
    });
    return abortable(this.#connecting, signal, `Connecting to MCP server "${this.name}"`);
  }

  async #connectLoop(maxAttempts: number): Promise<Live> {
    for (let attempt = 1; ; attempt++) {
      this.#setState('connecting');
      try {
        const { live, tools } = await this.#open();
        const changed = this.#everConnected && JSON.stringify(tools) !== JSON.stringify(this.#tools);
        this.#tools = tools;
        this.#everConnected = true;
        this.#failures = 0;
        this.#retryAt = 0;
        this.#lastError = undefined;
        this.#live = live;
        this.#setState('connected');
        if (changed) this.#events.emit('toolsChanged', { server: this.name, tools, reason: 'reconnected' });
        return live;
      } catch (error) {
        const failure = HydraError.isInstance(error) ? error : toHydraError(error, this.#context('connect'));
        this.#failures++;
        this.#lastError = failure;
        const delay = backoffDelay(this.#policy, this.#failures);
        const hopeless = failure instanceof ConfigError || this.#closing.signal.aborted;
        if (hopeless || attempt >= maxAttempts) {
          this.#retryAt = Date.now() + delay;
          if (this.#state !== 'closed') this.#setState('disconnected', failure);
          throw failure;
        }
        await sleep(delay, this.#closing.signal);
      }
    }
  }

  /** A fresh client and transport (a new process for stdio), connected, with the tool list fetched. */
  async #open(): Promise<{ live: Live; tools: McpToolInfo[] }> {
    const generation = ++this.#generation;
    const opened = openTransport(this.config, this.#onStderr);
    const client = new Client(this.#clientInfo, {
      versionNegotiation: { mode: negotiationMode(this.config) },
      listChanged: {
        // Refreshed by us (not the SDK) so the cache, the timeout and the event all come from one place.
        tools: { autoRefresh: false, debounceMs: 50, onChanged: () => this.#onToolListChanged(generation) },
      },
    });
    const live: Live = { client, opened, generation };
    client.onclose = () => this.#drop(live, undefined);
    client.onerror = () => this.#probe(live);
    const timeoutMs = this.config.connectTimeoutMs;
    const request = { timeout: timeoutMs, signal: this.#closing.signal };
    try {
      await client.connect(opened.transport, request);
      const tools = await this.#fetchTools(client, request);
      return { live, tools };
    } catch (error) {
      await client.close().catch(() => undefined);
      throw connectError(error, { ...this.#context('connect'), timeoutMs, stderr: opened.stderrTail() });
    }
  }

  async #fetchTools(client: Client, request: RequestOptions): Promise<McpToolInfo[]> {
    if (!client.getServerCapabilities()?.tools) return [];
    // Without a cursor the SDK walks every page (up to its 64-page cap) and returns them joined.
    const { tools } = await client.listTools(undefined, request);
    return tools.map((tool) => toToolInfo(this.name, tool));
  }

  #onToolListChanged(generation: number): void {
    if (this.#live?.generation !== generation) return;
    this.listTools().then(
      (tools) => this.#events.emit('toolsChanged', { server: this.name, tools, reason: 'list_changed' }),
      () => undefined, // the old list stays; the failure already dropped the connection if it was fatal
    );
  }

  /**
   * After an HTTP stream error, checks the server is still there. The SDK leaves a request whose response
   * stream died pending until its timeout; dropping the connection fails it now, with a retryable error.
   */
  #probe(live: Live): void {
    if (this.config.transport !== 'http' || this.#live !== live || this.#probing) return;
    this.#probing = true;
    const client = live.client;
    const check =
      client.getProtocolEra() === 'modern' ? client.discover.bind(client) : client.ping.bind(client);
    check({ timeout: PROBE_TIMEOUT_MS })
      .then(
        () => undefined,
        (error: unknown) => this.#drop(live, error),
      )
      .finally(() => {
        this.#probing = false;
      });
  }

  /** Forgets a dead connection; closing its client fails every request still waiting on it. */
  #drop(live: Live, error: unknown): void {
    if (this.#live !== live) return;
    this.#live = undefined;
    const exit = live.opened.stderrTail();
    this.#lastError =
      error === undefined
        ? new ProviderError(
            'provider_unavailable',
            `MCP server "${this.name}" closed the connection.${exit ? `\nServer stderr (last lines):\n${exit}` : ''}`,
            { retryable: true, data: { server: this.name } },
          )
        : toHydraError(error, this.#context('connection'));
    this.#setState('disconnected', this.#lastError);
    void live.client.close().catch(() => undefined);
  }

  #setState(state: McpConnectionState, error?: HydraError): void {
    if (this.#state === 'closed') return;
    this.#state = state;
    this.#events.emit('stateChanged', { server: this.name, state, error });
  }

  #closedError(): UserError {
    return new UserError('invalid_input', `The connection to MCP server "${this.name}" is closed.`, {
      data: { server: this.name },
    });
  }

  #context(operation: string): { server: string; operation: string } {
    return { server: this.name, operation };
  }
}

function hydraVersion(): string {
  try {
    // src/tools/mcp and dist/tools/mcp are both three levels below the package root.
    return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
