import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ConfigError, HydraError } from '../../src/errors/index.js';
import { formatModelId, parseModelId, PROVIDER_KINDS, type ModelRef } from '../../src/models/index.js';

describe('parseModelId', () => {
  it('parses provider-prefixed ids', () => {
    expect(parseModelId('openai:gpt-4o-mini')).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(parseModelId('ollama:llama3.1')).toEqual({ provider: 'ollama', model: 'llama3.1' });
    expect(parseModelId('anthropic:claude-sonnet-4-5')).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
    });
  });

  it('keeps colons inside the model name', () => {
    expect(parseModelId('ollama:llama3.1:8b-instruct')).toEqual({
      provider: 'ollama',
      model: 'llama3.1:8b-instruct',
    });
  });

  it('parses openai-compatible ids with a base URL', () => {
    expect(parseModelId('openai-compatible:http://127.0.0.1:8000/v1/#Qwen/Qwen2.5-7B')).toEqual({
      provider: 'openai-compatible',
      model: 'Qwen/Qwen2.5-7B',
      baseUrl: 'http://127.0.0.1:8000/v1',
    });
  });

  it('suggests a prefix for a bare model name', () => {
    expect(() => parseModelId('gpt-4o')).toThrow(/did you mean "openai:gpt-4o"/);
  });

  it('rejects unknown providers, listing the known ones', () => {
    expect(() => parseModelId('groq:llama')).toThrow(/unknown provider "groq".*openai, anthropic/);
  });

  it('rejects openai-compatible ids without a URL or model', () => {
    expect(() => parseModelId('openai-compatible:llama')).toThrow(/<base url>#<model>/);
    expect(() => parseModelId('openai-compatible:ftp://x#m')).toThrow(/not an http/);
    expect(() => parseModelId('openai-compatible:http://x/v1#')).toThrow(/empty/);
  });

  it('round-trips through formatModelId (property)', () => {
    const modelName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,30}$/);
    const plain = fc.record({
      provider: fc.constantFrom(...PROVIDER_KINDS.filter((kind) => kind !== 'openai-compatible')),
      model: modelName,
    });
    const compatible = fc.record({
      provider: fc.constant('openai-compatible' as const),
      model: modelName.filter((name) => !name.includes('#')),
      baseUrl: fc.constantFrom(
        'http://127.0.0.1:8000/v1',
        'https://api.example.com/v1',
        'http://localhost:1234',
      ),
    });
    fc.assert(
      fc.property(fc.oneof(plain, compatible), (ref: ModelRef) => {
        expect(parseModelId(formatModelId(ref))).toEqual(ref);
      }),
    );
  });

  it('fails only with a ConfigError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string(), (input) => {
        try {
          const ref = parseModelId(input);
          expect(ref.model.length).toBeGreaterThan(0);
        } catch (error) {
          expect(
            HydraError.isInstance(error) && error instanceof ConfigError && error.code === 'model_id_invalid',
          ).toBe(true);
        }
      }),
    );
  });
});
