import type { HydraError } from '../errors/index.js';
import {
  abortedFailure,
  connectionFailure,
  ensureHydraError,
  errorFromHttpFailure,
  timeoutFailure,
} from './provider-errors.js';
import type { CallOptions, TokenUsage } from './types.js';

export function usageOf(promptTokens: number, completionTokens: number): TokenUsage {
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/** Per-call options in the shape both official SDKs accept. */
export function sdkRequestOptions(options: CallOptions): { signal?: AbortSignal; timeout?: number } {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The error classes the OpenAI and Anthropic SDKs share (both are generated from the same template). */
export interface SdkErrorClasses<ApiError extends Error> {
  userAbort: ErrorClass;
  connectionTimeout: ErrorClass;
  connection: ErrorClass;
  api: abstract new (...args: never[]) => ApiError;
}

export interface SdkErrorContext<ApiError extends Error> {
  providerId: string;
  baseUrl: string | undefined;
  timeoutMs: number | undefined;
  classes: SdkErrorClasses<ApiError>;
  /** Reads status, provider message, provider code and Retry-After from the SDK's API error. */
  describe(error: ApiError): {
    status: number | undefined;
    message: string;
    code: string | undefined;
    retryAfter: string | null | undefined;
    /** The millisecond variant OpenAI and Anthropic send, preferred when present. */
    retryAfterMs?: string | null | undefined;
  };
}

/** Maps anything an SDK call throws to a Hydra error, the same way for every SDK. */
export function mapSdkError<ApiError extends Error>(
  error: unknown,
  options: CallOptions,
  context: SdkErrorContext<ApiError>,
): HydraError {
  const { providerId, classes } = context;
  if (error instanceof classes.userAbort || options.signal?.aborted) return abortedFailure(providerId, error);
  if (error instanceof classes.connectionTimeout)
    return timeoutFailure(providerId, options.timeoutMs ?? context.timeoutMs, error);
  if (error instanceof classes.connection) return connectionFailure(providerId, context.baseUrl, error);
  if (error instanceof classes.api) {
    const { status, message, code, retryAfter, retryAfterMs } = context.describe(error);
    if (status !== undefined)
      return errorFromHttpFailure({ providerId, status, message, code, retryAfter, retryAfterMs }, error);
  }
  return ensureHydraError(providerId, error);
}
