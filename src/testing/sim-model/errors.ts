/**
 * Error responses in each provider's real shape, so the SDKs raise the same error classes (and Hydra's
 * providers map them to the same HydraErrors) as they would against the real services.
 */
import type { z } from 'zod';

import { formatIssuePath } from './options.js';

export type WireStatus = 400 | 404 | 429 | 500 | 504;

export interface WireError {
  status: WireStatus;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** The failure, independent of dialect; each dialect renders it. */
export type SimFailure =
  | { kind: 'invalid_json' }
  | { kind: 'invalid_body'; issue: z.core.$ZodIssue }
  | { kind: 'context_exceeded'; promptTokens: number; requestedTokens: number; contextWindow: number }
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'over_capacity'; retryAfterSeconds: number; slots: number }
  | { kind: 'server_error' }
  | { kind: 'timeout' }
  | { kind: 'not_found'; message: string };

/** The field a zod issue is about, e.g. `messages[0].role`, or the unknown key it found. */
export function issueField(issue: z.core.$ZodIssue): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
  const field = formatIssuePath([...issue.path, ...keys]);
  return field === '' ? '(body)' : field;
}

function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_type' && (!('input' in issue) || issue.input === undefined);
}

// Both SDKs prefer `retry-after-ms` when present, which lets tests use sub-second back-offs.
function retryHeaders(seconds: number): Record<string, string> {
  return { 'retry-after': String(seconds), 'retry-after-ms': String(Math.round(seconds * 1000)) };
}

export function openAiError(failure: SimFailure): WireError {
  const error = (
    status: WireStatus,
    message: string,
    type: string,
    param: string | null,
    code: string | null,
    headers: Record<string, string> = {},
  ): WireError => ({ status, body: { error: { message, type, param, code } }, headers });
  switch (failure.kind) {
    case 'invalid_json':
      return error(
        400,
        'We could not parse the JSON body of your request. (HINT: This likely means you aren’t using your HTTP library correctly.)',
        'invalid_request_error',
        null,
        null,
      );
    case 'invalid_body': {
      const field = issueField(failure.issue);
      return isMissing(failure.issue)
        ? error(
            400,
            `Missing required parameter: '${field}'.`,
            'invalid_request_error',
            field,
            'missing_required_parameter',
          )
        : error(
            400,
            `Invalid value for '${field}': ${failure.issue.message}`,
            'invalid_request_error',
            field,
            'invalid_value',
          );
    }
    case 'context_exceeded': {
      const { promptTokens, requestedTokens, contextWindow } = failure;
      const message =
        requestedTokens > 0
          ? `This model's maximum context length is ${contextWindow} tokens. However, you requested ${promptTokens + requestedTokens} tokens (${promptTokens} in the messages, ${requestedTokens} in the completion). Please reduce the length of the messages or completion.`
          : `This model's maximum context length is ${contextWindow} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`;
      return error(400, message, 'invalid_request_error', 'messages', 'context_length_exceeded');
    }
    case 'rate_limited':
      return error(
        429,
        `Rate limit reached for requests. Please try again in ${failure.retryAfterSeconds}s.`,
        'requests',
        null,
        'rate_limit_exceeded',
        retryHeaders(failure.retryAfterSeconds),
      );
    case 'over_capacity':
      return error(
        429,
        `All ${failure.slots} generation slots are busy. Please try again in ${failure.retryAfterSeconds}s.`,
        'requests',
        null,
        'rate_limit_exceeded',
        retryHeaders(failure.retryAfterSeconds),
      );
    case 'server_error':
      return error(
        500,
        'The server had an error while processing your request. Sorry about that!',
        'server_error',
        null,
        null,
      );
    case 'timeout':
      return error(504, 'The server timed out while generating a response.', 'timeout', null, 'timeout');
    case 'not_found':
      return error(404, failure.message, 'invalid_request_error', null, null);
  }
}

export function anthropicError(failure: SimFailure): WireError {
  const error = (
    status: WireStatus,
    type: string,
    message: string,
    headers: Record<string, string> = {},
  ): WireError => ({ status, body: { type: 'error', error: { type, message } }, headers });
  switch (failure.kind) {
    case 'invalid_json':
      return error(400, 'invalid_request_error', 'The request body is not valid JSON.');
    case 'invalid_body': {
      const field = issueField(failure.issue);
      return isMissing(failure.issue)
        ? error(400, 'invalid_request_error', `${field}: Field required`)
        : error(400, 'invalid_request_error', `${field}: ${failure.issue.message}`);
    }
    case 'context_exceeded': {
      const { promptTokens, requestedTokens, contextWindow } = failure;
      // Anthropic words the two cases differently: the prompt alone too long, or prompt plus max_tokens.
      return promptTokens > contextWindow
        ? error(
            400,
            'invalid_request_error',
            `prompt is too long: ${promptTokens} tokens > ${contextWindow} maximum`,
          )
        : error(
            400,
            'invalid_request_error',
            `input length and \`max_tokens\` exceed context limit: ${promptTokens} + ${requestedTokens} > ${contextWindow}, decrease input length or \`max_tokens\` and try again`,
          );
    }
    case 'rate_limited':
      return error(
        429,
        'rate_limit_error',
        'Number of requests has exceeded your rate limit. Please try again later.',
        retryHeaders(failure.retryAfterSeconds),
      );
    case 'over_capacity':
      return error(
        429,
        'rate_limit_error',
        `All ${failure.slots} generation slots are busy. Please try again later.`,
        retryHeaders(failure.retryAfterSeconds),
      );
    case 'server_error':
      return error(500, 'api_error', 'Internal server error');
    case 'timeout':
      return error(504, 'timeout_error', 'Request timed out');
    case 'not_found':
      return error(404, 'not_found_error', failure.message);
  }
}
