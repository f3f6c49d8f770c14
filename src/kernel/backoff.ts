/**
 * Retry delays for failed syscalls: capped exponential backoff with jitter, honouring a provider's
 * `Retry-After`. Pure functions of the policy, the attempt number and an injected random source, so the
 * kernel's retry timing is reproducible in tests.
 */
import { z } from 'zod';

import { UserError } from '../errors/index.js';

export interface BackoffPolicy {
  /** Total attempts including the first; 1 means never retry. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /**
   * `equal` keeps at least half the exponential delay (spread without retrying too early), `full` spreads
   * over the whole range (best against thundering herds), `none` is deterministic.
   */
  jitter: 'equal' | 'full' | 'none';
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  multiplier: 2,
  jitter: 'equal',
});

/**
 * A `Retry-After` is honoured above `maxDelayMs` because the provider knows its own quota, but a broken or
 * hostile header ("Retry-After: 86400") must not park a syscall for a day.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Partial policy in, full policy out: missing fields take {@link DEFAULT_BACKOFF}'s values. */
export const backoffPolicySchema = z
  .strictObject({
    maxAttempts: z.number().int().min(1).default(DEFAULT_BACKOFF.maxAttempts),
    baseDelayMs: z.number().nonnegative().default(DEFAULT_BACKOFF.baseDelayMs),
    maxDelayMs: z.number().nonnegative().default(DEFAULT_BACKOFF.maxDelayMs),
    // Below 1 the delays would shrink with each failure, which defeats the point of backing off.
    multiplier: z.number().min(1).default(DEFAULT_BACKOFF.multiplier),
    jitter: z.enum(['equal', 'full', 'none']).default(DEFAULT_BACKOFF.jitter),
  })
  .refine((policy) => policy.maxDelayMs >= policy.baseDelayMs, {
    path: ['maxDelayMs'],
    message: 'must be at least baseDelayMs',
  }) satisfies z.ZodType<BackoffPolicy>;

/** A backoff policy as written by a caller or in configuration; every field is optional. */
export type BackoffPolicyInput = z.input<typeof backoffPolicySchema>;

/** Validates and defaults a policy; a bad one is a `UserError('invalid_input')` whose `data.field` names the field. */
export function parseBackoffPolicy(input: unknown): BackoffPolicy {
  const result = backoffPolicySchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    // An unknown key is reported at the object; naming the key itself is what points at the typo.
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const path = key === undefined ? issue.path : [...issue.path, key];
    return { field: path.length === 0 ? '(root)' : path.map(String).join('.'), message: issue.message };
  });
  const first = issues[0] ?? { field: '(root)', message: 'invalid policy' };
  throw new UserError('invalid_input', `Invalid backoff policy field '${first.field}': ${first.message}`, {
    data: { field: first.field, issues },
  });
}

/** The delay before jitter: `min(maxDelayMs, baseDelayMs * multiplier^(attempt - 1))`. */
export function exponentialDelay(attempt: number, policy: BackoffPolicy): number {
  assertAttempt(attempt);
  if (policy.baseDelayMs === 0) return 0;
  // For large attempts the power overflows to Infinity, which the cap turns back into maxDelayMs.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.multiplier ** (attempt - 1));
}

/**
 * Delay before retry number `attempt` (1 = after the first failure), in milliseconds (may be fractional).
 * `random` returns values in [0, 1) like `Math.random`; it is injected so schedules are reproducible.
 * The result is never below `retryAfterMs` (capped at {@link MAX_RETRY_AFTER_MS}), even above `maxDelayMs`.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exp = exponentialDelay(attempt, policy);
  let delay: number;
  switch (policy.jitter) {
    case 'equal':
      // The min guards the cap against rounding when exp is tiny (subnormal halves lose precision).
      delay = Math.min(exp, exp / 2 + unit(random()) * (exp / 2));
      break;
    case 'full':
      delay = unit(random()) * exp;
      break;
    case 'none':
      delay = exp;
      break;
  }
  // A negative or NaN header value carries no information; it must not shorten the backoff.
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) return delay;
  return Math.max(delay, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** Whether another attempt is allowed after `attemptsMade` attempts (the first call counts as one). */
export function shouldRetry(attemptsMade: number, policy: BackoffPolicy): boolean {
  return attemptsMade < policy.maxAttempts;
}

function assertAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new UserError('invalid_input', `Backoff attempt must be an integer >= 1, got ${attempt}.`, {
      data: { field: 'attempt', value: attempt },
    });
  }
}

// A random source that strays outside [0, 1) must not push the delay outside its jitter band.
function unit(value: number): number {
  if (!(value > 0)) return 0;
  return value < 1 ? value : 1;
}
