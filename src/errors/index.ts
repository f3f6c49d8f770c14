/**
 * Hydra's typed error taxonomy.
 *
 * Every error Hydra throws is a {@link HydraError} with a stable string `code`, a `retryable` flag and a
 * `fault` naming whose fault it is: the user's input or configuration, the model provider, or Hydra itself.
 * Callers narrow with the subclasses or, across duplicate copies of the package, with `HydraError.isInstance`.
 *
 * @module
 */

/** Whose fault an error is; decides who has to act (fix input, wait for the provider, or report a bug). */
export type ErrorFault = 'user' | 'provider' | 'internal';

/** Every error code Hydra raises. Documented in docs/errors.md. */
export type HydraErrorCode =
  // user / configuration
  | 'invalid_input'
  | 'config_invalid'
  | 'config_not_found'
  | 'model_not_configured'
  | 'model_id_invalid'
  | 'aborted'
  | 'context_overflow'
  | 'no_eligible_node'
  | 'not_found'
  | 'permission_denied'
  | 'conflict'
  // provider
  | 'provider_rate_limited'
  | 'provider_unavailable'
  | 'provider_timeout'
  | 'provider_auth_failed'
  | 'provider_bad_request'
  | 'provider_malformed_response'
  | 'context_length_exceeded'
  // tools (MCP servers and other tool backends)
  | 'tool_unavailable'
  | 'tool_timeout'
  | 'tool_auth_failed'
  | 'tool_protocol_error'
  // workflows
  | 'interrupted'
  | 'recursion_limit'
  | 'lease_held'
  | 'approval_invalid'
  // kernel
  | 'escalated'
  | 'kernel_backpressure'
  | 'kernel_closed'
  // internal
  | 'internal';

const BRAND = Symbol.for('hydra.error');

export interface HydraErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Structured facts about the failure (ids, sizes, the offending field), safe to log. */
  data?: Record<string, unknown>;
}

export abstract class HydraError extends Error {
  abstract readonly fault: ErrorFault;
  readonly code: HydraErrorCode;
  readonly retryable: boolean;
  readonly data: Record<string, unknown>;

  constructor(code: HydraErrorCode, message: string, options: HydraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.data = options.data ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for any Hydra error, even one created by another copy of this package. */
  static isInstance(value: unknown): value is HydraError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      fault: this.fault,
      retryable: this.retryable,
      message: this.message,
      data: this.data,
    };
  }
}

/** The caller's input or configuration is wrong; retrying the same thing will fail the same way. */
export class UserError extends HydraError {
  readonly fault = 'user' as const;
}

/** A configuration value is missing or invalid. `data.field` names it, `data.fix` says what to do. */
export class ConfigError extends UserError {
  constructor(
    message: string,
    options: HydraErrorOptions & {
      code?: 'config_invalid' | 'config_not_found' | 'model_not_configured' | 'model_id_invalid';
    } = {},
  ) {
    super(options.code ?? 'config_invalid', message, options);
  }
}

/** Raised when the caller aborted the operation (AbortSignal). Not a failure of anyone else. */
export class AbortedError extends UserError {
  constructor(message = 'The operation was aborted.', options: HydraErrorOptions = {}) {
    super('aborted', message, options);
  }
}

/**
 * Admission control refused a model call: the prompt plus `max_tokens` does not fit the model's context
 * window, so it was never sent. The agent's memory manager compacts the context and tries again.
 */
export class ContextOverflowError extends UserError {
  constructor(message: string, options: HydraErrorOptions = {}) {
    super('context_overflow', message, { ...options, retryable: false });
  }
}

/** No node in the registry meets a syscall's requirements; `data.rejections` says why each node was passed over. */
export class NoEligibleNodeError extends UserError {
  constructor(message: string, options: HydraErrorOptions = {}) {
    super('no_eligible_node', message, options);
  }
}

/** The named thing (agent, block, passage, run, ...) does not exist. */
export class NotFoundError extends UserError {
  constructor(message: string, options: HydraErrorOptions = {}) {
    super('not_found', message, options);
  }
}

/** The caller (usually an agent) lacks the access this operation needs, e.g. writing a block shared read-only. */
export class PermissionDeniedError extends UserError {
  constructor(message: string, options: HydraErrorOptions = {}) {
    super('permission_denied', message, options);
  }
}

/**
 * A compare-and-set write lost a race: someone else wrote first. `data` carries the current value and
 * version, so the caller can merge and write again.
 */
export class ConflictError extends UserError {
  constructor(message: string, options: HydraErrorOptions = {}) {
    super('conflict', message, { ...options, retryable: true });
  }
}

/** The model provider failed or answered with something unusable. */
export class ProviderError extends HydraError {
  readonly fault = 'provider' as const;
}

/**
 * A tool backend (an MCP server) failed: unreachable or died (`tool_unavailable`, retryable), too slow
 * (`tool_timeout`, retryable), refused credentials (`tool_auth_failed`) or spoke the protocol wrongly
 * (`tool_protocol_error`). A tool's own error result is not this: the model sees it as a tool error.
 */
export class ToolError extends HydraError {
  readonly fault = 'provider' as const;
}

/** HTTP 429 or an equivalent; `retryAfterMs` carries the provider's `Retry-After` when it sent one. */
export class RateLimitError extends ProviderError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: HydraErrorOptions & { retryAfterMs?: number | undefined } = {}) {
    super('provider_rate_limited', message, { ...options, retryable: true });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The prompt plus the requested completion does not fit the model's context window. */
export class ContextLengthExceededError extends ProviderError {
  constructor(message: string, options: HydraErrorOptions = {}) {
    super('context_length_exceeded', message, { ...options, retryable: false });
  }
}

/** Parses the `Retry-After` header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * A syscall failed on every attempt the retry policy allows; the kernel hands it to the agent or a
 * supervisor instead of retrying further. `cause` is the last failure, and the fault is its fault.
 */
export class EscalationError extends HydraError {
  readonly fault: ErrorFault;
  readonly attempts: number;
  constructor(message: string, options: HydraErrorOptions & { attempts: number; lastError: HydraError }) {
    super('escalated', message, { ...options, cause: options.lastError, retryable: false });
    this.fault = options.lastError.fault;
    this.attempts = options.attempts;
  }
}

/** The caller's load exceeds the kernel's configured queue depth; try again later. */
export class KernelBusyError extends UserError {
  constructor(message: string, options: HydraErrorOptions = {}) {
    super('kernel_backpressure', message, { ...options, retryable: true });
  }
}

/** The kernel was closed; syscalls still queued or submitted afterwards fail with this. */
export class KernelClosedError extends UserError {
  constructor(message = 'The kernel is closed.', options: HydraErrorOptions = {}) {
    super('kernel_closed', message, options);
  }
}

/** A bug or broken invariant inside Hydra. Please report it. */
export class InternalError extends HydraError {
  readonly fault = 'internal' as const;
  constructor(message: string, options: HydraErrorOptions = {}) {
    super('internal', message, options);
  }
}

/** Turns anything thrown into a message fit for a person, keeping Hydra errors' codes visible. */
export function describeError(error: unknown): string {
  if (HydraError.isInstance(error)) return `${error.message} [${error.code}]`;
  if (error instanceof Error) return error.message;
  return String(error);
}
