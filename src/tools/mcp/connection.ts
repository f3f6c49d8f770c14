import type {
  Client,
  GetPromptResult,
  Implementation,
  Prompt,
  ProtocolEra,
  ReadResourceResult,
  RequestOptions,
  Resource,
} from '@modelcontextprotocol/client';

import { ConfigError, HydraError, ToolError } from '../../errors/index.js';
import type { McpServerConfig } from './config.js';
import { backingOffError, closedError, isConnectionLost, isSessionLost, toHydraError } from './errors.js';
import {
  closeSession,
  fetchTools,
  hydraVersion,
  openSession,
  probeSession,
  type Session,
} from './session.js';
import { abortable, backoffDelay, Emitter, sleep } from './support.js';
import {
  DEFAULT_RECONNECT,
  type McpConnectionOptions,
  type McpReconnectPolicy,
  type McpCallOptions,
  type McpCallResult,
  type McpConnectionEvents,
  type McpConnectionState,
  type McpRequestOptions,
  type McpToolInfo,
} from './types.js';

interface Live extends Session {
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
  #changedWhileConnecting = false;

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
      fetchTools(this.name, client, request),
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
    if (live) await closeSession(live);
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
        if (this.#state === 'closed') throw closedError(this.name);
        if (isConnectionLost(error)) this.#drop(live, error);
        // A session the server no longer knows never saw this request, so sending it again is safe.
        if (attempt === 0 && isSessionLost(error) && !options.signal?.aborted) continue;
        throw toHydraError(error, context);
      }
    }
  }

  async #ensureConnected(signal: AbortSignal | undefined, maxAttempts: number): Promise<Live> {
    if (this.#state === 'closed') throw closedError(this.name);
    if (this.#live) return this.#live;
    const wait = this.#retryAt - Date.now();
    if (!this.#connecting && wait > 0) {
      // Backoff between failed reconnects: fail fast instead of hammering (or respawning) a broken server.
      throw backingOffError(this.name, this.#lastError, wait);
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
        if (this.#changedWhileConnecting) {
          this.#changedWhileConnecting = false;
          this.#onToolListChanged(live.generation);
        }
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

  async #open(): Promise<{ live: Live; tools: McpToolInfo[] }> {
    const generation = ++this.#generation;
    this.#changedWhileConnecting = false;
    // Filled in once connected; the hooks ignore events that arrive before (a failed connect cleans up itself).
    const ready: { live?: Live } = {};
    const { session, tools } = await openSession({
      server: this.name,
      config: this.config,
      clientInfo: this.#clientInfo,
      onStderr: this.#onStderr,
      signal: this.#closing.signal,
      onToolListChanged: () => this.#onToolListChanged(generation),
      onClose: () => ready.live && this.#drop(ready.live, undefined),
      onError: () => ready.live && this.#probe(ready.live),
    });
    ready.live = { ...session, generation };
    return { live: ready.live, tools };
  }

  #onToolListChanged(generation: number): void {
    if (generation !== this.#generation) return; // from a replaced session
    if (this.#live?.generation !== generation) {
      // Arrived between the handshake and the end of connect: the listing fetched there may predate it.
      this.#changedWhileConnecting = true;
      return;
    }
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
    probeSession(live)
      .catch((error: unknown) => this.#drop(live, error))
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
        ? new ToolError(
            'tool_unavailable',
            `MCP server "${this.name}" closed the connection.${exit ? `\nServer stderr (last lines):\n${exit}` : ''}`,
            { retryable: true, data: { server: this.name } },
          )
        : toHydraError(error, this.#context('connection'));
    this.#setState('disconnected', this.#lastError);
    void closeSession(live);
  }

  #setState(state: McpConnectionState, error?: HydraError): void {
    if (this.#state === 'closed') return;
    this.#state = state;
    this.#events.emit('stateChanged', { server: this.name, state, error });
  }

  #context(operation: string): { server: string; operation: string } {
    return { server: this.name, operation };
  }
}
