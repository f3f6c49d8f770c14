import type { HydraConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import {
  createCodeTools,
  defaultTools,
  McpHub,
  mcpCodeProvider,
  SkillLibrary,
  type FunctionTool,
} from '../tools/index.js';
import { progress } from './output.js';

export interface Toolbox {
  tools: FunctionTool[];
  hub: McpHub | undefined;
  close(): Promise<void>;
}

/**
 * The tools a CLI agent gets: the built-ins, plus the configured MCP servers' tools — as definitions
 * (`tools.mode: direct`), through code execution (`code`: search_tools, execute_code and skills), or both.
 * A server that cannot connect is reported and left out; the run goes on.
 */
export async function openToolbox(
  config: HydraConfig,
  store: Store | undefined,
  quiet = false,
): Promise<Toolbox> {
  const tools = defaultTools(process.cwd());
  if (Object.keys(config.mcpServers).length === 0)
    return { tools, hub: undefined, close: async () => undefined };
  const hub = new McpHub({ servers: config.mcpServers, onStderr: () => undefined });
  const report = await hub.connect();
  if (!quiet)
    for (const failure of report.failed)
      progress(`hydra: MCP server ${failure.server} unavailable: ${failure.error.message}`);
  const mode = config.tools.mode;
  if (mode !== 'code') tools.push(...hub.tools());
  if (mode !== 'direct') {
    const skills = store ? await SkillLibrary.open(store) : undefined;
    const provider = mcpCodeProvider(hub);
    tools.push(...createCodeTools({ provider, ...(skills ? { skills } : {}) }));
  }
  return { tools, hub, close: () => hub.close() };
}
