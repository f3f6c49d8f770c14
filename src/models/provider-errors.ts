import {
  AbortedError,
  ContextLengthExceededError,
  HydraError,
  ProviderError,
  RateLimitError,
  parseRetryAfter,
} from '../errors/index.js';

/** What every SDK's HTTP error tells us, reduced to the fields that decide Hydra's error type. */
export interface HttpFailure {
  providerId: string;
  status: number;
  message: string;
  /** The provider's own error code or type, e.g. `context_length_exceeded` or `rate_limit_error`. */
  code?: string | undefined;
  retryAfter?: string | null | undefined;
  retryAfterMs?: string | null | undefined;
}

const CONTEXT_OVERFLOW =
  /context[_ ]length|maximum context|prompt is too long|too many tokens|context window/i;

/**
 * The one place an HTTP failure becomes a Hydra error, so every provider fails identically for the
 * same situation (a 429 is a `RateLimitError` whether OpenAI, Anthropic or vLLM sent it).
 */
export function errorFromHttpFailure(failure: HttpFailure, cause?: unknown): ProviderError {
  const { providerId, status, message, code } = failure;
  const data = { provider: providerId, status, providerCode: code };
  const base = { cause, data };
  if (status === 429) {
    return new RateLimitError(`${providerId} rate-limited the request (HTTP 429): ${message}`, {
      ...base,
      retryAfterMs: millisecondsHeader(failure.retryAfterMs) ?? parseRetryAfter(failure.retryAfter),
    });
  }
  if (
    code === 'context_length_exceeded' ||
    ((status === 400 || status === 413) && CONTEXT_OVERFLOW.test(message))
  ) {
    return new ContextLengthExceededError(
      `${providerId} rejected the prompt as too long for its context window: ${message}`,
      base,
    );
  }
  if (status === 401 || status === 403) {
    return new ProviderError(
      'provider_auth_failed',
      `${providerId} refused the credentials (HTTP ${status}): ${message}. Check the API key in your config or environment.`,
      base,
    );
  }
  if (status === 408)
    return new ProviderError('provider_timeout', `${providerId} timed out (HTTP 408): ${message}`, {
      ...base,
      retryable: true,
    });
  if (status >= 500) {
    return new ProviderError('provider_unavailable', `${providerId} failed with HTTP ${status}: ${message}`, {
      ...base,
      retryable: true,
    });
  }
  return new ProviderError(
    'provider_bad_request',
    `${providerId} rejected the request (HTTP ${status}): ${message}`,
    base,
  );
}

export function connectionFailure(
  providerId: string,
  baseUrl: string | undefined,
  cause: unknown,
): ProviderError {
  const where = baseUrl ? ` at ${baseUrl}` : '';
  return new ProviderError(
    'provider_unavailable',
    `Could not connect to ${providerId}${where}: ${causeMessage(cause)}. Is the server running?`,
    {
      cause,
      retryable: true,
      data: { provider: providerId, baseUrl },
    },
  );
}

export function timeoutFailure(
  providerId: string,
  timeoutMs: number | undefined,
  cause: unknown,
): ProviderError {
  const after = timeoutMs === undefined ? '' : ` after ${timeoutMs} ms`;
  return new ProviderError('provider_timeout', `${providerId} did not answer${after}.`, {
    cause,
    retryable: true,
    data: { provider: providerId, timeoutMs },
  });
}

export function abortedFailure(providerId: string, cause: unknown): AbortedError {
  return new AbortedError(`The call to ${providerId} was aborted.`, {
    cause,
    data: { provider: providerId },
  });
}

/** Tool-call arguments must be a JSON object; anything else is the model's malformed output. */
export function parseToolArguments(
  providerId: string,
  toolName: string,
  raw: string,
): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new ProviderError(
      'provider_malformed_response',
      `${providerId} returned arguments for tool "${toolName}" that are not valid JSON: ${truncate(raw, 200)}`,
      {
        cause,
        retryable: true,
        data: { provider: providerId, tool: toolName, rawArguments: truncate(raw, 2000) },
      },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProviderError(
      'provider_malformed_response',
      `${providerId} returned arguments for tool "${toolName}" that are not a JSON object: ${truncate(raw, 200)}`,
      { retryable: true, data: { provider: providerId, tool: toolName, rawArguments: truncate(raw, 2000) } },
    );
  }
  return parsed as Record<string, unknown>;
}

/** Passes Hydra errors through and wraps anything else, so callers only ever see Hydra errors. */
export function ensureHydraError(providerId: string, error: unknown): HydraError {
  if (HydraError.isInstance(error)) return error;
  return new ProviderError(
    'provider_malformed_response',
    `${providerId} failed unexpectedly: ${causeMessage(error)}`,
    {
      cause: error,
      data: { provider: providerId },
    },
  );
}

function causeMessage(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function millisecondsHeader(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const milliseconds = Number(value);
  return Number.isFinite(milliseconds) && milliseconds >= 0 ? milliseconds : undefined;
}
