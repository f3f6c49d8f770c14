import { describe, expect, it } from 'vitest';

import {
  AbortedError,
  ConfigError,
  ContextLengthExceededError,
  HydraError,
  InternalError,
  ProviderError,
  RateLimitError,
  describeError,
  parseRetryAfter,
} from '../../src/errors/index.js';

describe('HydraError taxonomy', () => {
  it('names whose fault each family is', () => {
    expect(new ConfigError('bad').fault).toBe('user');
    expect(new AbortedError().fault).toBe('user');
    expect(new ProviderError('provider_unavailable', 'down').fault).toBe('provider');
    expect(new InternalError('bug').fault).toBe('internal');
  });

  it('marks rate limits retryable and context overflows not retryable', () => {
    expect(new RateLimitError('slow down', { retryAfterMs: 1500 })).toMatchObject({
      code: 'provider_rate_limited',
      retryable: true,
      retryAfterMs: 1500,
    });
    expect(new ContextLengthExceededError('too long').retryable).toBe(false);
  });

  it('recognises Hydra errors by brand, not by class identity', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('hydra.error')]: true });
    expect(HydraError.isInstance(new ConfigError('bad'))).toBe(true);
    expect(HydraError.isInstance(foreign)).toBe(true);
    expect(HydraError.isInstance(new Error('plain'))).toBe(false);
    expect(HydraError.isInstance(null)).toBe(false);
  });

  it('keeps the subclass name and serialises code, fault and data', () => {
    const error = new ConfigError('bad field', { data: { field: 'model' } });
    expect(error.name).toBe('ConfigError');
    expect(error).toBeInstanceOf(Error);
    expect(error.toJSON()).toEqual({
      name: 'ConfigError',
      code: 'config_invalid',
      fault: 'user',
      retryable: false,
      message: 'bad field',
      data: { field: 'model' },
    });
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    expect(new ProviderError('provider_unavailable', 'down', { cause }).cause).toBe(cause);
  });

  it('describes errors with their code', () => {
    expect(describeError(new ConfigError('bad'))).toBe('bad [config_invalid]');
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError('text')).toBe('text');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
  });
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
  });
  it('ignores missing or garbage values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
