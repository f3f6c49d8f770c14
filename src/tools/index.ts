/**
 * Tools: function tools defined with zod, the MCP client (src/tools/mcp) and sandboxed code execution
 * (src/tools/code).
 * Any export added here becomes public API.
 * @module
 */
export {
  defineTool,
  type DefineToolOptions,
  type FunctionTool,
  type ToolAnnotations,
  type ToolContext,
  type ToolOutcome,
} from './function-tool.js';
export { currentTimeTool, defaultTools, readFileTool } from './builtin.js';
export * from './mcp/index.js';
export * from './code/index.js';
export { mcpCodeProvider } from './mcp-code-bridge.js';
