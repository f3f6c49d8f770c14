import { describe, expect, it } from 'vitest';

import { HydraError } from '../../src/errors/index.js';
import { parseSimModelOptions, SimModelServer } from '../../src/testing/index.js';

function optionError(options: unknown): HydraError {
  try {
    new SimModelServer(options as never);
  } catch (error) {
    if (HydraError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the options to be rejected');
}

describe('SimModelServer options', () => {
  it.each([
    [{ slots: 0 }, 'slots'],
    [{ latency: { decodeMsPerToken: -1 } }, 'latency.decodeMsPerToken'],
    [{ faults: { rate429: 2 } }, 'faults.rate429'],
    [{ rules: [{ match: { lastUser: '(' }, reply: { text: 'x' } }] }, 'rules[0].match.lastUser'],
    [{ rules: [{ reply: { fault: 'explode' } }] }, 'rules[0].reply.fault'],
    [{ slot: 2 }, 'slot'],
    [{ batchSlowdown: -0.5 }, 'batchSlowdown'],
    [{ tokenCountCacheEntries: 1.5 }, 'tokenCountCacheEntries'],
    [{ replyTokens: { distribution: 'lognormal', median: 100 } }, 'replyTokens.p99'],
    [{ replyTokens: { distribution: 'lognormal', median: 100, p99: 50 } }, 'replyTokens.p99'],
    [{ replyTokens: { distribution: 'pareto', median: 100 } }, 'replyTokens.distribution'],
    [{ replyTokens: { distribution: 'fixed', median: 10, p95: 20 } }, 'replyTokens.p95'],
  ])('rejects %j naming %s', (options, field) => {
    const error = optionError(options);
    expect(error.code).toBe('invalid_input');
    expect(error.fault).toBe('user');
    expect(error.data['field']).toBe(field);
    expect(error.message).toContain(`'${field}'`);
  });

  it('fills in defaults', () => {
    expect(parseSimModelOptions({})).toMatchObject({
      seed: 1,
      model: 'sim-model',
      slots: 4,
      overflow: 'queue',
      retryAfterSeconds: 1,
      contextWindow: 8192,
      defaultReplyTokens: 32,
      embeddingDimensions: 64,
      encoding: 'o200k_base',
      latency: { prefillMsPerToken: 0, decodeMsPerToken: 0, firstByteMs: 0 },
      faults: { rate429: 0, rate500: 0, rateHang: 0, rateMalformedToolJson: 0 },
      rules: [],
      batchSlowdown: 0,
      tokenCountCacheEntries: 100_000,
    });
    expect(parseSimModelOptions({}).replyTokens).toBeUndefined();
  });

  it('refuses baseUrl before start', () => {
    expect(() => new SimModelServer().baseUrl).toThrow(/not started/);
  });
});
