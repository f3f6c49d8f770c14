/**
 * Requests-per-minute and tokens-per-minute limits of one model backend, as two continuously refilling
 * token buckets. The limiter never sleeps or sets timers: it answers "how long until this may start" and
 * the kernel's scheduler decides what to do with the answer, which keeps it pure and testable with a
 * fake clock.
 */
import { UserError } from '../errors/index.js';

export interface RateLimits {
  /** Requests per minute. */
  rpm?: number | undefined;
  /** Tokens (prompt + completion) per minute. */
  tpm?: number | undefined;
}

/** Bucket levels at this instant; negative means debt from requests that cost more than estimated. */
export interface RateLimiterSnapshot {
  requests: number | undefined;
  tokens: number | undefined;
}

const WINDOW_MS = 60_000;

// Refill arithmetic in floating point can leave a bucket a hair short of what a caller waited for; without
// this tolerance a caller that slept exactly `delayFor()` would be told to wait another femtosecond.
const RELATIVE_EPSILON = 1e-9;

class Bucket {
  private level: number;
  private readonly ratePerMs: number;

  constructor(
    readonly capacity: number,
    private updatedAt: number,
  ) {
    this.level = capacity;
    this.ratePerMs = capacity / WINDOW_MS;
  }

  levelAt(now: number): number {
    this.refill(now);
    return this.level;
  }

  /** Ms until `cost` can be paid; a cost above capacity only needs a full bucket, or it could never run. */
  delayFor(cost: number, now: number): number {
    this.refill(now);
    const need = Math.min(cost, this.capacity);
    const deficit = need - this.level;
    if (deficit <= this.capacity * RELATIVE_EPSILON) return 0;
    return deficit / this.ratePerMs;
  }

  /** Spends without checking: the kernel may start a request it already decided on, leaving debt. */
  spend(amount: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.capacity, this.level - amount);
  }

  private refill(now: number): void {
    // A clock that steps backwards (a misbehaving fake, or a wall clock) must not drain the bucket.
    const elapsed = Math.max(0, now - this.updatedAt);
    this.level = Math.min(this.capacity, this.level + elapsed * this.ratePerMs);
    this.updatedAt = Math.max(this.updatedAt, now);
  }
}

export class RateLimiter {
  readonly limits: Readonly<RateLimits>;
  private readonly requests: Bucket | undefined;
  private readonly tokens: Bucket | undefined;
  private readonly now: () => number;

  /** `now` returns milliseconds from any fixed origin; it defaults to `performance.now`. */
  constructor(limits: RateLimits, now: () => number = () => performance.now()) {
    this.limits = Object.freeze({ rpm: checkLimit('rpm', limits.rpm), tpm: checkLimit('tpm', limits.tpm) });
    this.now = now;
    const start = now();
    this.requests = this.limits.rpm === undefined ? undefined : new Bucket(this.limits.rpm, start);
    this.tokens = this.limits.tpm === undefined ? undefined : new Bucket(this.limits.tpm, start);
  }

  get unlimited(): boolean {
    return this.requests === undefined && this.tokens === undefined;
  }

  /**
   * Ms until a request expected to cost `tokens` may start; 0 means now. A request bigger than the whole
   * TPM bucket may start when the bucket is full (otherwise it could never run).
   */
  delayFor(tokens: number): number {
    checkTokens('tokens', tokens);
    const now = this.now();
    return Math.max(this.requests?.delayFor(1, now) ?? 0, this.tokens?.delayFor(tokens, now) ?? 0);
  }

  /** Consumes capacity for a request that is starting now (whether or not `delayFor` said it could). */
  take(tokens: number): void {
    checkTokens('tokens', tokens);
    const now = this.now();
    this.requests?.spend(1, now);
    this.tokens?.spend(tokens, now);
  }

  /**
   * Corrects a request's estimate with its real token count once it completes. Underspending refunds (up to
   * a full bucket); overspending may drive the bucket below zero, a debt that delays later requests.
   */
  settle(estimatedTokens: number, actualTokens: number): void {
    checkTokens('estimatedTokens', estimatedTokens);
    checkTokens('actualTokens', actualTokens);
    this.tokens?.spend(actualTokens - estimatedTokens, this.now());
  }

  snapshot(): RateLimiterSnapshot {
    const now = this.now();
    return { requests: this.requests?.levelAt(now), tokens: this.tokens?.levelAt(now) };
  }
}

function checkLimit(field: 'rpm' | 'tpm', value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0) {
    throw new UserError('invalid_input', `Rate limit ${field} must be a positive number, got ${value}.`, {
      data: { field, value },
    });
  }
  return value;
}

function checkTokens(field: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new UserError('invalid_input', `${field} must be a non-negative number, got ${value}.`, {
      data: { field, value },
    });
  }
}
