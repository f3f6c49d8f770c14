import type {
  GetPromptResult,
  Implementation,
  Prompt,
  ReadResourceResult,
  Resource,
} from '@modelcontextprotocol/client';

import { NotFoundError, UserError, type HydraError } from '../../errors/index.js';
import type { FunctionTool } from '../function-tool.js';
import type { McpServersConfig } from './config.js';
import { McpConnection } from './connection.js';
import { toHydraError } from './errors.js';
import { Emitter } from './support.js';
import {
  createMcpFunctionTool,
  defaultToolName,
  isValidToolName,
  shortHash,
  type McpToolNamer,
} from './tool.js';
import type {
  McpReconnectPolicy,
  McpCallOptions,
  McpCallResult,
  McpConnectionEvents,
  McpConnectionState,
  McpRequestOptions,
  McpToolInfo,
} from './types.js';

export interface McpHubOptions {
  /** Validated servers: `parseMcpServers(raw)` or the `mcpServers` field of Hydra's parsed config. */
  servers: McpServersConfig;
  /** How tools are named for models; default `<server>__<tool>` ({@link defaultToolName}). */
  toolName?: McpToolNamer;
  clientInfo?: Implementation;
  reconnect?: Partial<McpReconnectPolicy>;
  /** Each stderr line of a stdio server. */
  onStderr?: (server: string, line: string) => void;
}

export interface McpConnectReport {
  connected: string[];
  /** Servers that could not be reached; they stay configured and reconnect on their next request. */
  failed: Array<{ server: string; error: HydraError }>;
}

export interface McpServerStatus {
  server: string;
  transport: 'stdio' | 'http';
  state: McpConnectionState;
  pid?: number;
  protocolEra?: 'legacy' | 'modern';
  protocolVersion?: string;
  toolCount: number;
  error?: HydraError;
}

/** A listed tool plus the name models call it by. */
export interface McpHubToolInfo extends McpToolInfo {
  toolName: string;
}

/**
 * All configured MCP servers behind one object: connects them in parallel, offers every tool as a Hydra
 * `FunctionTool`, and gives code a typed `callTool(server, tool, args)`.
 */
export class McpHub {
  readonly #connections = new Map<string, McpConnection>();
  readonly #toolName: McpToolNamer;
  readonly #events = new Emitter<McpConnectionEvents>();

  constructor(options: McpHubOptions) {
    this.#toolName = options.toolName ?? defaultToolName;
    const onStderr = options.onStderr;
    for (const [name, config] of Object.entries(options.servers)) {
      const connection = new McpConnection(name, config, {
        ...(options.clientInfo ? { clientInfo: options.clientInfo } : {}),
        ...(options.reconnect ? { reconnect: options.reconnect } : {}),
        ...(onStderr ? { onStderr: (line: string) => onStderr(name, line) } : {}),
      });
      connection.on('toolsChanged', (event) => this.#events.emit('toolsChanged', event));
      connection.on('stateChanged', (event) => this.#events.emit('stateChanged', event));
      this.#connections.set(name, connection);
    }
  }

  get serverNames(): string[] {
    return [...this.#connections.keys()];
  }

  connection(server: string): McpConnection {
    const connection = this.#connections.get(server);
    if (!connection) {
      throw new NotFoundError(`No MCP server "${server}" is configured (configured: ${this.#list()}).`, {
        data: { server },
      });
    }
    return connection;
  }

  /** `toolsChanged` after a server's tool list changed (call `tools()` again); `stateChanged` per connection. */
  on<Name extends keyof McpConnectionEvents>(
    event: Name,
    listener: (payload: McpConnectionEvents[Name]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Connects every server at once; one failing is reported, not thrown, so the others stay usable. */
  async connect(options: { signal?: AbortSignal } = {}): Promise<McpConnectReport> {
    const connections = [...this.#connections.values()];
    const outcomes = await Promise.allSettled(connections.map((connection) => connection.connect(options)));
    const report: McpConnectReport = { connected: [], failed: [] };
    outcomes.forEach((outcome, index) => {
      const server = (connections[index] as McpConnection).name;
      if (outcome.status === 'fulfilled') report.connected.push(server);
      else
        report.failed.push({ server, error: toHydraError(outcome.reason, { server, operation: 'connect' }) });
    });
    return report;
  }

  status(): McpServerStatus[] {
    return [...this.#connections.values()].map((connection) => {
      const { pid, protocolEra, protocolVersion, lastError } = connection;
      return {
        server: connection.name,
        transport: connection.config.transport,
        state: connection.state,
        ...(pid !== undefined ? { pid } : {}),
        ...(protocolEra !== undefined ? { protocolEra } : {}),
        ...(protocolVersion !== undefined ? { protocolVersion } : {}),
        toolCount: connection.tools.length,
        ...(lastError !== undefined && connection.state !== 'connected' ? { error: lastError } : {}),
      };
    });
  }

  /** Every server's tools as last listed (kept while a server is down), with the names models see. */
  listTools(): McpHubToolInfo[] {
    const taken = new Set<string>();
    const tools: McpHubToolInfo[] = [];
    for (const connection of this.#connections.values()) {
      for (const info of connection.tools) {
        let toolName = this.#toolName(info.server, info.name);
        if (!isValidToolName(toolName)) {
          throw new UserError(
            'invalid_input',
            `The MCP tool namer returned "${toolName}" for ${info.server}/${info.name}; names must be 1-64 letters, digits, "_" or "-".`,
            { data: { server: info.server, tool: info.name } },
          );
        }
        // Two tools that sanitise to one name (`a.b` and `a_b`) must not shadow each other.
        if (taken.has(toolName))
          toolName = `${toolName.slice(0, 55)}_${shortHash(`${info.server}\u0000${info.name}`)}`;
        taken.add(toolName);
        tools.push({ ...info, toolName });
      }
    }
    return tools;
  }

  /**
   * One `FunctionTool` per tool, for agents (run them with `agent.callTool`). Tools that the server only
   * runs as MCP tasks are left out: plain `tools/call` always fails for them.
   */
  tools(): FunctionTool<Record<string, unknown>>[] {
    return this.listTools()
      .filter((info) => info.taskSupport !== 'required')
      .map((info) =>
        createMcpFunctionTool({
          name: info.toolName,
          info,
          call: (args, options) => this.callTool(info.server, info.name, args, options),
        }),
      );
  }

  /** Calls a tool by its MCP name. A tool's own failure is `isError: true`; transport and protocol failures throw. */
  callTool(
    server: string,
    tool: string,
    args: Record<string, unknown> = {},
    options: McpCallOptions = {},
  ): Promise<McpCallResult> {
    return this.connection(server).callTool(tool, args, options);
  }

  /** Lists the tools of every connected server again and returns them. */
  async refreshTools(options: McpRequestOptions = {}): Promise<McpHubToolInfo[]> {
    const live = [...this.#connections.values()].filter((connection) => connection.state === 'connected');
    await Promise.allSettled(live.map((connection) => connection.listTools(options)));
    return this.listTools();
  }

  listResources(server: string, options: McpRequestOptions = {}): Promise<Resource[]> {
    return this.connection(server).listResources(options);
  }

  readResource(
    server: string,
    uri: string,
    options: McpRequestOptions = {},
  ): Promise<ReadResourceResult['contents']> {
    return this.connection(server).readResource(uri, options);
  }

  listPrompts(server: string, options: McpRequestOptions = {}): Promise<Prompt[]> {
    return this.connection(server).listPrompts(options);
  }

  getPrompt(
    server: string,
    name: string,
    args: Record<string, string> = {},
    options: McpRequestOptions = {},
  ): Promise<GetPromptResult> {
    return this.connection(server).getPrompt(name, args, options);
  }

  /** Closes every connection (stdio servers are stopped). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#connections.values()].map((connection) => connection.close()));
  }

  #list(): string {
    return this.serverNames.join(', ') || 'none';
  }
}
