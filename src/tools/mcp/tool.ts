import { createHash } from 'node:crypto';

import { AbortedError, describeError, HydraError } from '../../errors/index.js';
import type { FunctionTool, ToolAnnotations, ToolContext, ToolOutcome } from '../function-tool.js';
import { formatCallResult } from './results.js';
import type { McpCallOptions, McpCallResult, McpToolHints, McpToolInfo } from './types.js';

/** What providers accept as a function name (OpenAI's rule, the strictest). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Names a server's tool for the model; must return 1-64 letters, digits, `_` or `-`. */
export type McpToolNamer = (server: string, tool: string) => string;

/**
 * `<server>__<tool>`, with characters providers reject (MCP allows `.` and `/`) replaced by `_`, and names
 * over 64 characters shortened with a hash of the full name so they stay unique.
 */
export const defaultToolName: McpToolNamer = (server, tool) => {
  const name = `${server}__${tool}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  return name.length <= 64 ? name : `${name.slice(0, 55)}_${shortHash(`${server}\u0000${tool}`)}`;
};

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

export function isValidToolName(name: string): boolean {
  return TOOL_NAME.test(name);
}

/**
 * MCP hints → Hydra annotations, with the spec's defaults for absent hints (not read-only, destructive,
 * not idempotent, open world), so an unannotated tool is treated as the riskiest kind by approval gates.
 * A read-only tool is reported idempotent: reading twice has no extra effect.
 */
export function mapAnnotations(hints: McpToolHints): ToolAnnotations {
  const readOnly = hints.readOnlyHint ?? false;
  return {
    readOnly,
    destructive: readOnly ? false : (hints.destructiveHint ?? true),
    idempotent: readOnly || (hints.idempotentHint ?? false),
    openWorld: hints.openWorldHint ?? true,
  };
}

export interface McpFunctionToolOptions {
  name: string;
  info: McpToolInfo;
  call(args: Record<string, unknown>, options: McpCallOptions): Promise<McpCallResult>;
}

/**
 * An MCP tool as a Hydra `FunctionTool`. Built directly rather than with `defineTool`, whose zod schema
 * would be a lossy copy of the server's JSON Schema; the server's schema goes to the model as it is.
 */
export function createMcpFunctionTool(
  options: McpFunctionToolOptions,
): FunctionTool<Record<string, unknown>> {
  const { name, info } = options;
  const execute = (args: Record<string, unknown>, context: ToolContext): Promise<McpCallResult> =>
    options.call(args, { signal: context.signal });
  return {
    name,
    definition: {
      name,
      description: info.description || info.title || `Tool "${info.name}" of MCP server "${info.server}".`,
      parameters: info.inputSchema,
    },
    annotations: mapAnnotations(info.annotations),
    // The SDK multiplexes requests over one connection; the server decides how many it runs at once.
    concurrency: 'unlimited',
    execute,
    async run(rawArguments, context = {}): Promise<ToolOutcome> {
      const problems = checkArguments(info.inputSchema, rawArguments);
      if (problems.length > 0) {
        return {
          ok: false,
          content: `Invalid arguments for ${name}: ${problems.join('; ')}. Fix them and call again.`,
        };
      }
      try {
        const result = await execute(rawArguments, context);
        const text = formatCallResult(result);
        return result.isError
          ? { ok: false, content: `Tool ${name} failed: ${text}` }
          : { ok: true, content: text };
      } catch (error) {
        // Cancellation is the caller's decision, not a tool failure for the model to read.
        if (context.signal?.aborted && error instanceof AbortedError) throw error;
        const retry =
          HydraError.isInstance(error) && error.retryable ? ' This is temporary; you may call again.' : '';
        return { ok: false, content: `Tool ${name} failed: ${describeError(error)}${retry}` };
      }
    },
  };
}

const JSON_TYPES: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  integer: (value) => Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  array: (value) => Array.isArray(value),
  object: (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  null: (value) => value === null,
};

/**
 * Light checks against the JSON Schema: required properties, top-level types, and unknown properties when
 * the schema forbids them. They catch the common model mistakes without a round trip; everything deeper
 * (formats, nesting, combinators) is left to the server, whose error the model also sees.
 */
export function checkArguments(schema: Record<string, unknown>, args: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const properties = isRecord(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? schema['required'] : [];
  for (const key of required) {
    if (typeof key === 'string' && args[key] === undefined) problems.push(`${key}: required`);
  }
  for (const [key, value] of Object.entries(args)) {
    const property = properties[key];
    if (property === undefined) {
      if (schema['additionalProperties'] === false) problems.push(`${key}: not a parameter of this tool`);
      continue;
    }
    if (!isRecord(property) || value === undefined) continue;
    const types = typeof property['type'] === 'string' ? [property['type']] : property['type'];
    if (!Array.isArray(types)) continue;
    const known = types.filter((type): type is string => typeof type === 'string' && type in JSON_TYPES);
    if (known.length === types.length && !known.some((type) => JSON_TYPES[type]?.(value))) {
      problems.push(`${key}: expected ${known.join(' or ')}, got ${describeType(value)}`);
    }
  }
  return problems;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
