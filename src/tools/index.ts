/**
 * Tools: function tools defined with zod (MCP tools arrive with the tools issue).
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
