/**
 * The function tools of the code-execution pattern: `search_tools` (progressive disclosure of the typed
 * API), `execute_code` (run a program in the sandbox), and with a {@link SkillLibrary} `save_skill`,
 * `run_skill` and `list_skills`.
 */
import { z } from 'zod';

import { defineTool, type FunctionTool } from '../function-tool.js';
import { renderTools, searchTools, toolBridge, type DetailLevel } from './catalog.js';
import { CodeExecutionError } from './errors.js';
import { formatOutput, middleCut, type CodeOutput } from './output.js';
import { QuickJsSandbox } from './sandbox.js';
import { MAX_SKILL_CODE_CHARS, MAX_SKILL_DESCRIPTION_CHARS, type SkillLibrary } from './skills.js';
import { wrapProgram } from './transpile.js';
import { resolveLimits, type CodeLimits, type CodeToolProvider } from './types.js';

export interface CreateCodeToolsOptions {
  provider: CodeToolProvider;
  /** Adds save_skill, run_skill and list_skills. */
  skills?: SkillLibrary;
  limits?: Partial<CodeLimits>;
  /** A sandbox to share between tool sets (one WebAssembly module); a new one by default. */
  sandbox?: QuickJsSandbox;
}

export interface RunProgramOptions {
  /** The program's global `input`; must be JSON. */
  input?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

/** Runs programs against a provider's tools and formats what comes back for the model. */
export class CodeRunner {
  readonly limits: CodeLimits;
  readonly sandbox: QuickJsSandbox;

  constructor(
    readonly provider: CodeToolProvider,
    options: { limits?: Partial<CodeLimits>; sandbox?: QuickJsSandbox } = {},
  ) {
    this.limits = resolveLimits(options.limits);
    this.sandbox = options.sandbox ?? new QuickJsSandbox({ limits: this.limits });
  }

  /**
   * Runs a program with the provider's current tools. Resolves with the capped logs and result; fails with
   * a {@link CodeExecutionError} whose message carries the failure and the logs before it (capped too).
   */
  async run(code: string, options: RunProgramOptions = {}): Promise<CodeOutput> {
    const tools = await this.provider.listTools();
    const timeoutMs = Math.min(options.timeoutMs ?? this.limits.timeoutMs, this.limits.maxTimeoutMs);
    try {
      const result = await this.sandbox.run({
        code,
        tools: toolBridge(this.provider, tools),
        limits: { ...this.limits, timeoutMs },
        ...(options.input === undefined ? {} : { input: options.input }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      return formatOutput(result.logs, result.resultJson, this.limits.maxOutputChars);
    } catch (error) {
      if (!CodeExecutionError.is(error)) throw error;
      const logs = Array.isArray(error.data['logs']) ? error.data['logs'].map(String).join('\n') : '';
      const budget = Math.max(0, this.limits.maxOutputChars - error.message.length - 40);
      const shown = logs === '' ? '' : `\nLogs before the failure:\n${middleCut(logs, budget)}`;
      throw new CodeExecutionError(error.reason, `${error.message}${shown}`, {
        cause: error,
        data: error.data,
      });
    }
  }
}

const EXECUTE_DESCRIPTION = (limits: CodeLimits): string =>
  [
    'Runs a JavaScript or TypeScript program in a sandbox and returns what it logs (console.log) and returns.',
    'The program is the body of an async function: use await, and `return` a JSON value.',
    'Tools are a typed API: `await servers.<server>.<tool>(args)`; find them and their types with search_tools.',
    'Only the logs and the returned value reach you: filter, aggregate and slice large tool results in the',
    `program. Output over ${limits.maxOutputChars} characters is cut. No network, files, timers, require or process;`,
    `default deadline ${limits.timeoutMs} ms, memory ${Math.round(limits.memoryBytes / 1048576)} MiB. A failed tool call throws a`,
    'ToolError you can catch.',
  ].join(' ');

/** The code-execution tools over a provider (and a skill library when given). */
export function createCodeTools(options: CreateCodeToolsOptions): FunctionTool[] {
  const runner = new CodeRunner(options.provider, {
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
  });
  const limits = runner.limits;
  const timeout = z
    .number()
    .int()
    .min(1)
    .max(limits.maxTimeoutMs)
    .optional()
    .describe(`Deadline in milliseconds (default ${limits.timeoutMs})`);

  const search = defineTool({
    name: 'search_tools',
    description:
      'Finds tools for execute_code programs. detail "name" lists paths, "description" adds one line each, ' +
      '"full" gives TypeScript declarations (arguments, result types, docs). Start narrow; read "full" only ' +
      'for the tools you will call.',
    parameters: z.object({
      query: z.string().describe('Words to look for in server, tool names and descriptions; "" lists all'),
      detail: z.enum(['name', 'description', 'full']).default('description'),
      limit: z.number().int().min(1).max(100).default(20),
    }),
    annotations: { readOnly: true, idempotent: true },
    execute: async ({ query, detail, limit }) => {
      const tools = await options.provider.listTools();
      const matches = searchTools(tools, query, limit);
      if (matches.length === 0) {
        const servers = [...new Set(tools.map((tool) => tool.server))];
        return `No tool matches "${query}". Servers: ${servers.join(', ') || '(none)'}.`;
      }
      const header = `${matches.length} of ${tools.length} tools. Call them in execute_code: await servers.<server>.<tool>(args).`;
      return `${header}\n${renderTools(matches, detail as DetailLevel)}`;
    },
  });

  const execute = defineTool({
    name: 'execute_code',
    description: EXECUTE_DESCRIPTION(limits),
    parameters: z.object({
      code: z.string().min(1).max(MAX_SKILL_CODE_CHARS).describe('The program (body of an async function)'),
      timeout_ms: timeout,
    }),
    annotations: { openWorld: true },
    execute: ({ code, timeout_ms }, context) =>
      runner.run(code, {
        ...(timeout_ms === undefined ? {} : { timeoutMs: timeout_ms }),
        signal: context.signal,
      }),
  });

  return options.skills
    ? [search, execute, ...skillTools(runner, options.skills, timeout)]
    : [search, execute];
}

function skillTools(
  runner: CodeRunner,
  skills: SkillLibrary,
  timeout: z.ZodOptional<z.ZodNumber>,
): FunctionTool[] {
  const save = defineTool({
    name: 'save_skill',
    description:
      'Saves a program that worked as a named skill that any agent can run later with run_skill. The program ' +
      'reads its arguments from the global `input` and can call `servers` like any execute_code program.',
    parameters: z.object({
      name: z.string().describe('Letters, digits, "_" or "-", starting with a letter'),
      description: z
        .string()
        .min(1)
        .max(MAX_SKILL_DESCRIPTION_CHARS)
        .describe('What it does and what input it takes'),
      code: z.string().min(1).max(MAX_SKILL_CODE_CHARS),
      overwrite: z.boolean().default(false).describe('Replace an existing skill (its old version is kept)'),
    }),
    execute: async ({ name, description, code, overwrite }) => {
      wrapProgram(code, true); // refuse code that does not parse
      const skill = await skills.save({ name, description, code }, { overwrite });
      return `Saved skill "${skill.name}" (version ${skill.version}).`;
    },
  });

  const run = defineTool({
    name: 'run_skill',
    description:
      'Runs a saved skill with a JSON input (the global `input` in its program); returns its logs and result.',
    parameters: z.object({
      name: z.string(),
      input: z.unknown().optional().describe('Any JSON value'),
      timeout_ms: timeout,
    }),
    annotations: { openWorld: true },
    execute: async ({ name, input, timeout_ms }, context) => {
      const skill = await skills.require(name);
      await skills.recordUse(name);
      return runner.run(skill.code, {
        ...(input === undefined ? {} : { input }),
        ...(timeout_ms === undefined ? {} : { timeoutMs: timeout_ms }),
        signal: context.signal,
      });
    },
  });

  const list = defineTool({
    name: 'list_skills',
    description:
      'Lists saved skills (name, version, uses, description); a query keeps those whose name or description contains it.',
    parameters: z.object({ query: z.string().optional() }),
    annotations: { readOnly: true },
    execute: async ({ query }) => {
      const needle = query?.trim().toLowerCase() ?? '';
      const all = await skills.list();
      const found = all.filter(
        (s) => needle === '' || `${s.name} ${s.description}`.toLowerCase().includes(needle),
      );
      if (found.length === 0)
        return all.length === 0 ? 'No skills saved yet.' : `No skill matches "${query}".`;
      return found.map((s) => `${s.name} (v${s.version}, used ${s.uses}×) — ${s.description}`).join('\n');
    },
  });
  return [save, run, list] as FunctionTool[];
}
