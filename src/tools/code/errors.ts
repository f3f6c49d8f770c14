import { HydraError, type ErrorFault, type HydraErrorCode } from '../../errors/index.js';

/** Why a program run failed; finer than the Hydra `code`, which the errors layer shares with everyone. */
export type CodeErrorReason =
  /** The program does not parse (after TypeScript types were stripped). */
  | 'syntax'
  /** The program threw, or its promise rejected, and nothing caught it. */
  | 'runtime'
  /** The run passed its deadline: a long loop, a slow tool or a promise that never settles. */
  | 'timeout'
  /** The QuickJS heap limit was reached. */
  | 'memory_limit'
  /** Recursion went past the stack limit. */
  | 'stack_limit'
  /** The program made more tool calls than the limit allows. */
  | 'tool_call_limit'
  /** The returned value cannot be turned into JSON (a BigInt, a cycle, a throwing toJSON). */
  | 'result_invalid'
  /** The caller aborted the run. */
  | 'aborted'
  /** The sandbox itself failed (a WebAssembly trap); the module is replaced before the next run. */
  | 'sandbox_crashed';

const CLASSIFICATION: Record<CodeErrorReason, { code: HydraErrorCode; fault: ErrorFault }> = {
  syntax: { code: 'invalid_input', fault: 'user' },
  runtime: { code: 'invalid_input', fault: 'user' },
  timeout: { code: 'invalid_input', fault: 'user' },
  memory_limit: { code: 'invalid_input', fault: 'user' },
  stack_limit: { code: 'invalid_input', fault: 'user' },
  tool_call_limit: { code: 'invalid_input', fault: 'user' },
  result_invalid: { code: 'invalid_input', fault: 'user' },
  aborted: { code: 'aborted', fault: 'user' },
  sandbox_crashed: { code: 'internal', fault: 'internal' },
};

export interface CodeExecutionErrorOptions {
  cause?: unknown;
  data?: Record<string, unknown>;
}

/**
 * A program run failed. `reason` says how; `data.logs` holds what the program logged before it failed, so
 * the caller (usually the model) can see how far it got. The errors layer has no code-execution codes yet,
 * so program faults use `invalid_input` (proposed: `code_execution_failed`).
 */
export class CodeExecutionError extends HydraError {
  readonly fault: ErrorFault;
  readonly reason: CodeErrorReason;

  constructor(reason: CodeErrorReason, message: string, options: CodeExecutionErrorOptions = {}) {
    const { code, fault } = CLASSIFICATION[reason];
    super(code, message, { cause: options.cause, retryable: false, data: { reason, ...options.data } });
    this.fault = fault;
    this.reason = reason;
  }

  /** True for a CodeExecutionError, even one created by another copy of this package. */
  static is(value: unknown, reason?: CodeErrorReason): value is CodeExecutionError {
    if (!HydraError.isInstance(value) || value.name !== 'CodeExecutionError') return false;
    return reason === undefined || value.data['reason'] === reason;
  }
}
