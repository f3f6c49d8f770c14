/**
 * `QuickJsSandbox`: runs untrusted JavaScript (or TypeScript with its types stripped) in QuickJS compiled
 * to WebAssembly, in this process. Every run gets a fresh runtime and context with a heap limit, a stack
 * limit and an interrupt deadline; the guest sees no host object, only the globals the prelude builds
 * (`console`, `servers`, `input`, `ToolError`) and the ECMAScript built-ins. See docs/code-execution.md.
 */
import { newQuickJSWASMModuleFromVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';

import { describeError, InternalError, UserError } from '../../errors/index.js';
import { CodeExecutionError } from './errors.js';
import { Execution, type ExecutionResult, type SandboxToolBridge } from './execution.js';
import { wrapProgram } from './transpile.js';
import { resolveLimits, type CodeLimits } from './types.js';

export type { ExecutionResult, SandboxToolBridge } from './execution.js';

export interface SandboxRunOptions {
  /** The program: the body of an async function (`await` and `return` work at its top level). */
  code: string;
  /** Strip TypeScript types before running (default true; plain JavaScript passes through unchanged). */
  typescript?: boolean;
  /** The tools `servers.<server>.<tool>` calls; without it `servers` is empty. */
  tools?: SandboxToolBridge;
  /** The value of the global `input`; must be JSON (else a `UserError` with code invalid_input). */
  input?: unknown;
  /** Limits for this run, over the sandbox's own. */
  limits?: Partial<CodeLimits>;
  /** Aborts the run (and the tool calls it has in flight). */
  signal?: AbortSignal;
}

export interface QuickJsSandboxOptions {
  /** Default limits of every run (over {@link DEFAULT_CODE_LIMITS}). */
  limits?: Partial<CodeLimits>;
}

/** Loads a new instance of the QuickJS WebAssembly module (its own linear memory). */
async function loadModule(): Promise<QuickJSWASMModule> {
  try {
    // The release build without asyncify: host calls are bridged with deferred promises, so many can be in
    // flight at once (asyncify suspends on one call at a time, and is larger and slower).
    return await newQuickJSWASMModuleFromVariant(import('@jitl/quickjs-wasmfile-release-sync'));
  } catch (error) {
    throw new InternalError('Could not load the QuickJS WebAssembly module.', { cause: error });
  }
}

/** The input as JSON text ('' for none); anything JSON cannot represent is refused. */
function inputText(input: unknown): string {
  if (input === undefined) return '';
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (error) {
    throw new UserError('invalid_input', `The input must be a JSON value: ${describeError(error)}`, {
      cause: error,
    });
  }
  if (text === undefined)
    throw new UserError('invalid_input', `The input must be a JSON value, not a ${typeof input}.`);
  return text;
}

export class QuickJsSandbox {
  readonly limits: CodeLimits;
  private module: Promise<QuickJSWASMModule> | undefined;
  private loaded: QuickJSWASMModule | undefined;
  private loads = 0;

  constructor(options: QuickJsSandboxOptions = {}) {
    this.limits = resolveLimits(options.limits);
  }

  /** How many times the WebAssembly module was loaded: 1, plus one after each crash. */
  get moduleLoads(): number {
    return this.loads;
  }

  /** Loads the WebAssembly module now instead of on the first run (about 10–20 ms). */
  async warmUp(): Promise<void> {
    await this.currentModule();
  }

  /**
   * Runs a program and resolves with its result (as JSON text) and logs. Fails with a
   * {@link CodeExecutionError} (`reason`: syntax, runtime, timeout, memory_limit, stack_limit,
   * tool_call_limit, result_invalid, aborted, sandbox_crashed) whose `data.logs` holds the logs so far.
   * Never throws anything else for anything the program does.
   */
  async run(options: SandboxRunOptions): Promise<ExecutionResult> {
    const limits = resolveLimits({ ...this.limits, ...options.limits });
    const program = wrapProgram(options.code, options.typescript ?? true);
    const inputJson = inputText(options.input);
    if (options.signal?.aborted) throw new CodeExecutionError('aborted', 'The run was aborted.');
    const module = await this.currentModule();
    let execution: Execution;
    try {
      execution = new Execution(module, limits, options.tools);
    } catch (error) {
      this.discard(module);
      throw new CodeExecutionError('sandbox_crashed', 'The sandbox could not start a runtime.', {
        cause: error,
      });
    }
    try {
      return await execution.execute(program, inputJson, options.signal);
    } finally {
      if (execution.crashed) this.discard(module);
    }
  }

  private currentModule(): Promise<QuickJSWASMModule> {
    if (!this.module) {
      this.loads += 1;
      const loading = loadModule();
      loading.then(
        (module) => {
          if (this.module === loading) this.loaded = module;
        },
        () => {
          if (this.module === loading) this.module = undefined; // retry the load on the next run
        },
      );
      this.module = loading;
    }
    return this.module;
  }

  /** Forgets a module that failed, so the next run loads a fresh one; runs still on it finish there. */
  private discard(module: QuickJSWASMModule): void {
    if (this.loaded !== module) return;
    this.loaded = undefined;
    this.module = undefined;
  }
}
