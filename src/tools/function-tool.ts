import { z } from 'zod';

import { HydraError, UserError } from '../errors/index.js';
import type { ToolDefinition } from '../models/index.js';

/** Hints about a tool's effects, kept for the approval gates that decide what needs a human. */
export interface ToolAnnotations {
  readOnly?: boolean;
  destructive?: boolean;
  idempotent?: boolean;
  openWorld?: boolean;
}

export interface ToolContext {
  signal?: AbortSignal | undefined;
  /**
   * A stable id of this call (run and call ids): the same after a crash and resume, so tools with side
   * effects can use it as an idempotency key.
   */
  callId?: string | undefined;
}

/** A tool implemented by a function, with arguments described and validated by a zod object schema. */
export interface FunctionTool<Args = unknown> {
  readonly name: string;
  readonly definition: ToolDefinition;
  readonly annotations: ToolAnnotations;
  /** Calls that may run at once (1 = exclusive); the kernel queues the rest. */
  readonly concurrency: number | 'unlimited';
  /** Validates raw arguments from the model and runs the tool. Never throws for bad input: see {@link ToolOutcome}. */
  run(rawArguments: Record<string, unknown>, context?: ToolContext): Promise<ToolOutcome>;
  /** The typed implementation, for direct calls from code. */
  execute(args: Args, context: ToolContext): Promise<unknown>;
}

/** What the model sees after a tool call: the result, or an error it can read and correct. */
export type ToolOutcome =
  | {
      ok: true;
      content: string;
      /** Ends the agent's run with `content` as its answer (a handoff that passes control on for good). */
      final?: boolean;
    }
  | { ok: false; content: string };

export interface DefineToolOptions<Schema extends z.ZodObject> {
  name: string;
  description: string;
  parameters: Schema;
  annotations?: ToolAnnotations;
  /** Calls that may run at once: 1 for an exclusive tool, N, or 'unlimited' (the default). */
  concurrency?: number | 'unlimited';
  /** Older argument names still accepted (`{ new_str: 'new_string' }`), for prompts written for other runtimes. */
  argumentAliases?: Record<string, string>;
  execute(args: z.output<Schema>, context: ToolContext): Promise<unknown> | unknown;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function defineTool<Schema extends z.ZodObject>(
  options: DefineToolOptions<Schema>,
): FunctionTool<z.output<Schema>> {
  if (!TOOL_NAME.test(options.name)) {
    throw new UserError(
      'invalid_input',
      `Tool name "${options.name}" must be 1-64 letters, digits, "_" or "-".`,
      {
        data: { field: 'name' },
      },
    );
  }
  const parameters = z.toJSONSchema(options.parameters, { target: 'draft-7', io: 'input' }) as Record<
    string,
    unknown
  >;
  delete parameters['$schema'];
  // Input-mode schemas leave extra keys open (zod strips them); telling the model so keeps it from inventing any.
  parameters['additionalProperties'] ??= false;
  const execute = async (args: z.output<Schema>, context: ToolContext): Promise<unknown> =>
    options.execute(args, context);
  return {
    name: options.name,
    definition: { name: options.name, description: options.description, parameters },
    annotations: options.annotations ?? {},
    concurrency: options.concurrency ?? 'unlimited',
    execute,
    async run(rawArguments, context = {}) {
      const parsed = options.parameters.safeParse(renameAliases(rawArguments, options.argumentAliases));
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`,
        );
        return {
          ok: false,
          content: `Invalid arguments for ${options.name}: ${problems.join('; ')}. Fix them and call again.`,
        };
      }
      try {
        const result = await execute(parsed.data, context);
        return { ok: true, content: typeof result === 'string' ? result : JSON.stringify(result) };
      } catch (error) {
        const message =
          HydraError.isInstance(error) || error instanceof Error ? error.message : String(error);
        return { ok: false, content: `Tool ${options.name} failed: ${message}` };
      }
    },
  };
}

function renameAliases(
  args: Record<string, unknown>,
  aliases: Record<string, string> | undefined,
): Record<string, unknown> {
  if (!aliases) return args;
  const renamed = { ...args };
  for (const [alias, name] of Object.entries(aliases)) {
    if (alias in renamed && !(name in renamed)) {
      renamed[name] = renamed[alias];
      delete renamed[alias];
    }
  }
  return renamed;
}
