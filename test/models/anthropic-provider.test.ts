import { afterEach, describe, expect, it } from 'vitest';

import { ConfigError, ContextLengthExceededError, RateLimitError } from '../../src/errors/index.js';
import { createModelProvider, type ModelProvider, type StreamEvent } from '../../src/models/index.js';
import { SimModelServer, type SimModelOptions } from '../../src/testing/index.js';

let server: SimModelServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function anthropicOn(options: SimModelOptions): Promise<ModelProvider> {
  server = new SimModelServer(options);
  const { url } = await server.start(0);
  return createModelProvider('anthropic:claude-sim', {
    settings: { baseUrl: url, apiKey: 'sim', maxRetries: 0 },
  });
}

const lookup = {
  name: 'lookup',
  description: 'Look a term up',
  parameters: { type: 'object', properties: { term: { type: 'string' } }, required: ['term'] },
};

describe('Anthropic provider against the simulated server', () => {
  it('sends the system prompt and returns text with usage', async () => {
    const provider = await anthropicOn({
      rules: [{ match: { system: 'pirate' }, reply: { text: 'Arr, matey.' } }],
    });
    const response = await provider.chat({
      messages: [
        { role: 'system', content: 'You are a pirate.' },
        { role: 'user', content: 'Greet me' },
      ],
    });
    expect(response.message.content).toBe('Arr, matey.');
    expect(response.finishReason).toBe('stop');
    expect(response.usage.completionTokens).toBeGreaterThan(0);
    expect(response.usage.promptTokens).toBeGreaterThan(0);
  });

  it('round-trips tool use and tool results', async () => {
    const provider = await anthropicOn({
      rules: [
        {
          match: { afterToolResult: false },
          reply: { toolCalls: [{ name: 'lookup', arguments: { term: 'hydra' } }] },
        },
        { match: { toolResultFrom: 'lookup' }, reply: { text: 'Found: {{lastToolResult}}' } },
      ],
    });
    const first = await provider.chat({
      messages: [{ role: 'user', content: 'What is a hydra?' }],
      tools: [lookup],
    });
    expect(first.finishReason).toBe('tool_calls');
    const call = first.message.toolCalls?.[0];
    expect(call).toMatchObject({ name: 'lookup', arguments: { term: 'hydra' } });
    const second = await provider.chat({
      messages: [
        { role: 'user', content: 'What is a hydra?' },
        first.message,
        { role: 'tool', toolCallId: call?.id ?? '', name: 'lookup', content: 'a many-headed serpent' },
      ],
      tools: [lookup],
    });
    expect(second.message.content).toBe('Found: a many-headed serpent');
  });

  it('streams text and tool calls', async () => {
    const provider = await anthropicOn({
      rules: [
        { reply: { text: 'Let me check.', toolCalls: [{ name: 'lookup', arguments: { term: 'kraken' } }] } },
      ],
    });
    const events: StreamEvent[] = [];
    for await (const event of provider.stream({
      messages: [{ role: 'user', content: 'kraken?' }],
      tools: [lookup],
    }))
      events.push(event);
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('');
    expect(text).toBe('Let me check.');
    const finish = events.at(-1);
    expect(finish?.type === 'finish' && finish.response.message.toolCalls).toEqual([
      expect.objectContaining({ name: 'lookup', arguments: { term: 'kraken' } }),
    ]);
    expect(finish?.type === 'finish' && finish.response.finishReason).toBe('tool_calls');
  });

  it('maps rate limits and context overflow to the same errors as OpenAI', async () => {
    const limited = await anthropicOn({ rules: [{ reply: { fault: '429' } }] });
    await expect(limited.chat({ messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      RateLimitError,
    );
    await server?.stop();

    const small = await anthropicOn({ contextWindow: 32 });
    await expect(
      small.chat({ messages: [{ role: 'user', content: 'word '.repeat(100) }], maxTokens: 8 }),
    ).rejects.toBeInstanceOf(ContextLengthExceededError);
  });

  it('refuses to embed, pointing to another provider', async () => {
    const provider = await anthropicOn({});
    await expect(provider.embed(['x'])).rejects.toBeInstanceOf(ConfigError);
  });
});
