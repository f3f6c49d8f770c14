/**
 * The real `@modelcontextprotocol/server-filesystem` over stdio through Hydra's McpHub. Direct mode gets
 * `hub.tools()` (or `dedupedTools(hub)`), code mode `createCodeTools({ provider: mcpCodeProvider(hub) })`,
 * as `hydra run` builds them (src/cli/toolbox.ts).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { McpHub, parseMcpServers, type McpCallResult } from '../../src/tools/mcp/index.js';
import { createMcpFunctionTool } from '../../src/tools/mcp/tool.js';
import type { FunctionTool } from '../../src/tools/index.js';

export const SERVER = 'filesystem';

export async function startFilesystemHub(root: string): Promise<{ hub: McpHub; version: string }> {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@modelcontextprotocol/server-filesystem/package.json');
  const { version } = require(manifest) as { version: string };
  const hub = new McpHub({
    servers: parseMcpServers({
      [SERVER]: { command: process.execPath, args: [join(dirname(manifest), 'dist/index.js'), root] },
    }),
  });
  const report = await hub.connect();
  const failure = report.failed[0];
  if (failure) throw failure.error;
  return { hub, version };
}

/**
 * True when `structuredContent` only repeats the text blocks: an object whose values are all strings that
 * the text already holds. server-filesystem answers every call as text plus `{ content: <the same text> }`,
 * which Hydra's `formatCallResult` does not recognise as an echo (it only recognises a text block that is
 * the structured content's JSON), so the model reads every result twice.
 */
export function structuredEchoesText(result: McpCallResult): boolean {
  const structured = result.structuredContent;
  if (typeof structured !== 'object' || structured === null || Array.isArray(structured)) return false;
  const text = result.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
  const values = Object.values(structured);
  return values.length > 0 && values.every((value) => typeof value === 'string' && text.includes(value));
}

/**
 * The hub's tools with the proposed fix to the result formatting: a result whose structured content only
 * repeats its text is shown once. Same definitions, same FunctionTool implementation (Hydra's
 * `createMcpFunctionTool`), only the duplicate is dropped before formatting.
 */
export function dedupedTools(hub: McpHub): FunctionTool<Record<string, unknown>>[] {
  return hub
    .listTools()
    .filter((info) => info.taskSupport !== 'required')
    .map((info) =>
      createMcpFunctionTool({
        name: info.toolName,
        info,
        call: async (args, options) => {
          const result = await hub.callTool(info.server, info.name, args, options);
          return structuredEchoesText(result) ? { content: result.content, isError: result.isError } : result;
        },
      }),
    );
}
