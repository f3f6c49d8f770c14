import type { McpServer } from '@modelcontextprotocol/server';

import type { Kernel } from '../../kernel/index.js';
import type { BufferPolicy, MemoryService } from '../../memory/index.js';
import type { FunctionTool } from '../../tools/index.js';

/**
 * Registers more tools on a Hydra MCP server. This is the extension point for surfaces Hydra does not have
 * yet: when workflows land (src/workflows, issue 6), `start_workflow` / `get_workflow_run` are registered
 * through one of these, not faked before the runtime exists.
 */
export type HydraMcpExtension = (server: McpServer, deps: HydraMcpDeps) => void;

/** What a Hydra MCP server works on. The caller owns these and closes them; the server never does. */
export interface HydraMcpDeps {
  memory: MemoryService;
  /** Runs `send_message` turns; its backends are the models agents can use. */
  kernel: Kernel;
  /** Tools agents may call during `send_message`, besides their memory tools. */
  tools?: FunctionTool[] | undefined;
  /** Limits for each `send_message` turn. */
  turn?: { maxSteps?: number | undefined; policy?: BufferPolicy | undefined } | undefined;
  /** Extra tool registrations (see {@link HydraMcpExtension}). */
  extensions?: readonly HydraMcpExtension[] | undefined;
  /** Failures that are bugs or happen in the background (a sleep-time pass); for the server's log. */
  onError?: ((error: unknown, context: string) => void) | undefined;
}
