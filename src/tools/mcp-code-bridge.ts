import type { CodeToolProvider } from './code/index.js';
import type { McpHub } from './mcp/index.js';

/** The MCP hub as the code tools' tool source: programs call `servers.<server>.<tool>(args)` on real MCP servers. */
export function mcpCodeProvider(hub: McpHub): CodeToolProvider {
  return {
    listTools: async () => hub.listTools(),
    callTool: async (server, name, args, options) => {
      const result = await hub.callTool(server, name, args, options);
      return {
        // Programs read text; images and other blocks are the model's business, not the program's.
        content: result.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n'),
        ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
        isError: result.isError,
      };
    },
  };
}
