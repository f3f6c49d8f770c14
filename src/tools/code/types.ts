/**
 * Shared types of the code-execution tools: the tool source seam, JSON values and the limits.
 * See docs/code-execution.md.
 */
import { UserError } from '../../errors/index.js';

/** A JSON value: the only kind of data that crosses the sandbox boundary. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One tool as a {@link CodeToolProvider} lists it (the shape of an MCP `Tool`, plus its server). */
export interface CodeToolInfo {
  server: string;
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

/** What a tool call returned: MCP's `CallToolResult` reduced to its text and structured content. */
export interface CodeToolResult {
  content: string;
  structuredContent?: unknown;
  isError: boolean;
}

/**
 * Where the tools that programs call come from. The MCP hub implements it; tests implement it with plain
 * functions. `callTool` may reject: the program sees the rejection as a catchable error.
 */
export interface CodeToolProvider {
  listTools(): Promise<CodeToolInfo[]>;
  callTool(
    server: string,
    name: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal },
  ): Promise<CodeToolResult>;
}

/** Resource limits of one program run. Every field has a default ({@link DEFAULT_CODE_LIMITS}). */
export interface CodeLimits {
  /** Wall-clock deadline of a run, tool calls included; the model may ask for less or more up to `maxTimeoutMs`. */
  timeoutMs: number;
  /** The largest `timeout_ms` a model may ask for. */
  maxTimeoutMs: number;
  /** Heap limit of the QuickJS runtime. */
  memoryBytes: number;
  /**
   * QuickJS stack limit, 64 KiB to 1 MiB. Keep it at or below 384 KiB: the interpreter's WebAssembly frames
   * also use the host's V8 stack, and past that deep recursion overflows the host stack first (caught, and
   * reported as a stack limit, but it costs a reload of the WebAssembly module).
   */
  stackBytes: number;
  /** The most characters of logs plus result returned to the model; more is truncated with a note. */
  maxOutputChars: number;
  /** The most tool calls one run may make. */
  maxToolCalls: number;
}

export const DEFAULT_CODE_LIMITS: Readonly<CodeLimits> = Object.freeze({
  timeoutMs: 10_000,
  maxTimeoutMs: 60_000,
  memoryBytes: 64 * 1024 * 1024,
  stackBytes: 256 * 1024,
  maxOutputChars: 8_000,
  maxToolCalls: 200,
});

/** QuickJS measures its stack against the WebAssembly stack; far larger limits make every check fail. */
const MIN_STACK_BYTES = 64 * 1024;
const MAX_STACK_BYTES = 1024 * 1024;

/** Merges partial limits over the defaults; every limit must be a positive integer. */
export function resolveLimits(partial: Partial<CodeLimits> | undefined): CodeLimits {
  const limits: CodeLimits = { ...DEFAULT_CODE_LIMITS, ...partial };
  for (const [field, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new UserError('invalid_input', `Code limit ${field} must be a positive integer, got ${value}.`, {
        data: { field },
      });
    }
  }
  if (limits.stackBytes < MIN_STACK_BYTES || limits.stackBytes > MAX_STACK_BYTES) {
    throw new UserError(
      'invalid_input',
      `Code limit stackBytes must be between ${MIN_STACK_BYTES} and ${MAX_STACK_BYTES}, got ${limits.stackBytes}.`,
      { data: { field: 'stackBytes' } },
    );
  }
  return limits;
}
