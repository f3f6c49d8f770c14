/**
 * Code execution with MCP: models write programs that call tools as a typed API inside a QuickJS sandbox,
 * and only what the program logs or returns goes back to the model. See docs/code-execution.md.
 * Any export added here becomes public API.
 * @module
 */
export {
  DEFAULT_CODE_LIMITS,
  resolveLimits,
  type CodeLimits,
  type CodeToolInfo,
  type CodeToolProvider,
  type CodeToolResult,
  type JsonValue,
} from './types.js';
export { CodeExecutionError, type CodeErrorReason } from './errors.js';
export {
  DECLARATIONS_HEADER,
  generateDeclarations,
  generateServerModule,
  generateToolDeclaration,
  schemaToType,
} from './declarations.js';
export { catalogOf, renderTools, searchTools, toolBridge, toolPath, type DetailLevel } from './catalog.js';
export {
  QuickJsSandbox,
  type ExecutionResult,
  type QuickJsSandboxOptions,
  type SandboxRunOptions,
  type SandboxToolBridge,
} from './sandbox.js';
export { formatOutput, type CodeOutput } from './output.js';
export {
  CODE_MIGRATIONS,
  checkSkillName,
  SkillLibrary,
  type Skill,
  type SkillInput,
  type SkillSummary,
  type SkillVersion,
} from './skills.js';
export { CodeRunner, createCodeTools, type CreateCodeToolsOptions, type RunProgramOptions } from './tools.js';
