import { createRequire } from 'node:module';

import { McpServer } from '@modelcontextprotocol/server';

import { registerAgentTools } from './agent-tools.js';
import { registerMemoryTools } from './memory-tools.js';
import type { HydraMcpDeps } from './types.js';

const require = createRequire(import.meta.url);
const { version } = require('../../../package.json') as { version: string };

/** The MCP tool names a Hydra server registers (before extensions). */
export const HYDRA_MCP_TOOLS = [
  'list_agents',
  'create_agent',
  'send_message',
  'get_memory_blocks',
  'update_memory_block',
  'search_archival_memory',
  'search_conversation',
] as const;

const INSTRUCTIONS =
  "Hydra is an agent operating system. These tools manage Hydra's persistent agents: list or create them, " +
  'send one a message (it answers with its memory and remembers the turn), and read or edit its memory. ' +
  'Agents are named by id or by a unique name. Block writes are compare-and-set: read a block, then write ' +
  'with its version as expected_version.';

/**
 * An MCP server exposing Hydra's agents and their memory as tools. Cheap to build: the HTTP transport builds
 * one per request, stdio one per connection; all of them share `deps` (and its per-agent turn ordering).
 * Tool failures are MCP tool errors (`isError: true`) carrying the Hydra message, never protocol errors.
 */
export function createHydraMcpServer(deps: HydraMcpDeps): McpServer {
  const server = new McpServer(
    { name: 'hydra', title: 'Hydra', version },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  registerAgentTools(server, deps);
  registerMemoryTools(server, deps);
  // Extension point: workflows (issue 6) and other later surfaces register their tools here.
  for (const extend of deps.extensions ?? []) extend(server, deps);
  return server;
}
