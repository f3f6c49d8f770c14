import { describe, expect, it } from 'vitest';

import { countChatTokens, createTokenizer, tokenizerForModel } from '../../src/models/index.js';

describe('tokenizer', () => {
  it('counts with the real o200k_base encoding', () => {
    const tokenizer = createTokenizer('o200k_base', true);
    // Reference values from OpenAI's tiktoken for o200k_base.
    expect(tokenizer.encode('hello world')).toEqual([24912, 2375]);
    expect(tokenizer.count('')).toBe(0);
  });

  it('counts with the real cl100k_base encoding', () => {
    const tokenizer = createTokenizer('cl100k_base', true);
    expect(tokenizer.encode('hello world')).toEqual([15339, 1917]);
  });

  it('round-trips text through encode and decode', () => {
    const tokenizer = createTokenizer('o200k_base', true);
    const text = 'Hydra schedules agents. Ünïcödé ✓ 日本語';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('treats special-token text as plain text instead of throwing', () => {
    expect(createTokenizer('o200k_base', true).count('<|endoftext|>')).toBeGreaterThan(0);
  });

  it('picks exact encodings for OpenAI models and marks others approximate', () => {
    expect(tokenizerForModel('openai', 'gpt-4o-mini')).toMatchObject({ encoding: 'o200k_base', exact: true });
    expect(tokenizerForModel('openai', 'gpt-4-0613')).toMatchObject({ encoding: 'cl100k_base', exact: true });
    expect(tokenizerForModel('anthropic', 'claude-sonnet-4-5')).toMatchObject({
      encoding: 'o200k_base',
      exact: false,
    });
    expect(tokenizerForModel('ollama', 'llama3.1')).toMatchObject({ encoding: 'cl100k_base', exact: false });
    expect(tokenizerForModel('vllm', 'meta-llama/Meta-Llama-3-8B')).toMatchObject({
      encoding: 'cl100k_base',
      exact: false,
    });
    expect(tokenizerForModel('ollama', 'qwen2.5')).toMatchObject({ encoding: 'o200k_base', exact: false });
  });

  it('counts chat framing the way OpenAI bills it', () => {
    const tokenizer = createTokenizer('o200k_base', true);
    // 3 reply priming + per message (3 framing + role + content).
    const expected = 3 + (3 + tokenizer.count('user') + tokenizer.count('hello world'));
    expect(countChatTokens(tokenizer, [{ role: 'user', content: 'hello world' }])).toBe(expected);
  });

  it('charges for tool calls, tool names and tool definitions', () => {
    const tokenizer = createTokenizer('o200k_base', true);
    const base = countChatTokens(tokenizer, [{ role: 'user', content: 'hi' }]);
    const withTools = countChatTokens(
      tokenizer,
      [{ role: 'user', content: 'hi' }],
      [{ name: 'current_time', description: 'clock', parameters: { type: 'object' } }],
    );
    const withCall = countChatTokens(tokenizer, [
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'c1', name: 'current_time', arguments: { timezone: 'UTC' } }],
      },
      { role: 'tool', toolCallId: 'c1', name: 'current_time', content: '12:00' },
    ]);
    expect(withTools).toBeGreaterThan(base);
    expect(withCall).toBeGreaterThan(base + 10);
  });
});
