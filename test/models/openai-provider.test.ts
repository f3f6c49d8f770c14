import { afterEach, describe, expect, it } from 'vitest';

import {
  AbortedError,
  ContextLengthExceededError,
  ProviderError,
  RateLimitError,
} from '../../src/errors/index.js';
import { createModelProvider, type ModelProvider, type StreamEvent } from '../../src/models/index.js';
import { SimModelServer, type SimModelOptions } from '../../src/testing/index.js';

let server: SimModelServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function providerOn(
  options: SimModelOptions,
  maxRetries = 0,
): Promise<{ provider: ModelProvider; sim: SimModelServer }> {
  const sim = new SimModelServer(options);
  server = sim;
  const { url } = await sim.start(0);
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries },
  });
  return { provider, sim };
}

async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const weather = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('OpenAI-compatible provider against the simulated server', () => {
  it('returns a plain reply with token usage', async () => {
    const { provider } = await providerOn({
      rules: [{ match: { lastUser: 'hello' }, reply: { text: 'Hello there, human.' } }],
    });
    const response = await provider.chat({ messages: [{ role: 'user', content: 'hello' }] });
    expect(response.message).toEqual({ role: 'assistant', content: 'Hello there, human.' });
    expect(response.finishReason).toBe('stop');
    expect(response.usage.promptTokens).toBe(
      provider.countTokens({ messages: [{ role: 'user', content: 'hello' }] }),
    );
    expect(response.usage.completionTokens).toBe(provider.tokenizer.count('Hello there, human.'));
  });

  it('reads the context window the server reports', async () => {
    const { provider } = await providerOn({ contextWindow: 12_345 });
    expect(provider.contextWindow).toBe(12_345);
  });

  it('streams text deltas that add up to the full reply, then finishes with usage', async () => {
    const text = 'Streaming works one token at a time, in order.';
    const { provider } = await providerOn({ rules: [{ reply: { text } }] });
    const events = await collect(provider.stream({ messages: [{ role: 'user', content: 'go' }] }));
    const deltas = events.filter((event) => event.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.map((event) => event.text).join('')).toBe(text);
    const finish = events.at(-1);
    expect(finish?.type).toBe('finish');
    if (finish?.type !== 'finish') return;
    expect(finish.response.message.content).toBe(text);
    expect(finish.response.usage.completionTokens).toBe(provider.tokenizer.count(text));
  });

  it('returns tool calls with parsed arguments, and takes tool results back', async () => {
    const { provider } = await providerOn({
      rules: [
        {
          match: { afterToolResult: false },
          reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] },
        },
        { match: { toolResultFrom: 'get_weather' }, reply: { text: 'It is {{lastToolResult}}.' } },
      ],
    });
    const first = await provider.chat({
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [weather],
    });
    expect(first.finishReason).toBe('tool_calls');
    const call = first.message.toolCalls?.[0];
    expect(call).toMatchObject({ name: 'get_weather', arguments: { city: 'Oslo' } });
    expect(call?.id).toBeTruthy();

    const second = await provider.chat({
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        first.message,
        { role: 'tool', toolCallId: call?.id ?? '', name: 'get_weather', content: 'snowing' },
      ],
      tools: [weather],
    });
    expect(second.message.content).toBe('It is snowing.');
  });

  it('streams tool calls as start, deltas and one assembled call', async () => {
    const { provider } = await providerOn({
      rules: [
        { reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Lima', units: 'metric' } }] } },
      ],
    });
    const events = await collect(
      provider.stream({ messages: [{ role: 'user', content: 'Lima?' }], tools: [weather] }),
    );
    expect(events.filter((event) => event.type === 'tool-call-start')).toHaveLength(1);
    const argumentText = events
      .flatMap((event) => (event.type === 'tool-call-delta' ? [event.argumentsDelta] : []))
      .join('');
    expect(JSON.parse(argumentText)).toEqual({ city: 'Lima', units: 'metric' });
    const calls = events.filter((event) => event.type === 'tool-call');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.type === 'tool-call' && calls[0].toolCall.arguments).toEqual({
      city: 'Lima',
      units: 'metric',
    });
  });

  it('surfaces a 429 as a retryable RateLimitError carrying Retry-After', async () => {
    const { provider } = await providerOn({
      retryAfterSeconds: 2,
      rules: [{ reply: { fault: '429' }, times: 1 }, { reply: { text: 'ok' } }],
    });
    const error = await provider
      .chat({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 2000, code: 'provider_rate_limited' });
  });

  it('succeeds after a 429 when retries are allowed', async () => {
    const { provider, sim } = await providerOn(
      {
        retryAfterSeconds: 0,
        rules: [{ reply: { fault: '429' }, times: 1 }, { reply: { text: 'second time lucky' } }],
      },
      2,
    );
    const response = await provider.chat({ messages: [{ role: 'user', content: 'hi' }] });
    expect(response.message.content).toBe('second time lucky');
    expect(sim.stats().requests.byEndpoint.chatCompletions).toBe(2);
    expect(sim.stats().faults['429']).toBe(1);
  });

  it('maps a 500 to a retryable provider_unavailable', async () => {
    const { provider } = await providerOn({ rules: [{ reply: { fault: '500' } }] });
    const error = await provider
      .chat({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider_unavailable', retryable: true });
  });

  it('reports context_length_exceeded as ContextLengthExceededError', async () => {
    const { provider } = await providerOn({ contextWindow: 64 });
    const long = 'word '.repeat(200);
    const error = await provider
      .chat({ messages: [{ role: 'user', content: long }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContextLengthExceededError);
    expect(error).toMatchObject({ code: 'context_length_exceeded', retryable: false });
    expect((error as Error).message).toMatch(/maximum context length is 64 tokens/);
  });

  it('counts max_tokens against the context window', async () => {
    const { provider } = await providerOn({ contextWindow: 100 });
    const error = await provider
      .chat({ messages: [{ role: 'user', content: 'short' }], maxTokens: 200 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContextLengthExceededError);
  });

  it('reports malformed tool-call JSON as a clear ProviderError', async () => {
    const { provider } = await providerOn({
      rules: [
        {
          reply: {
            toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }],
            fault: 'malformedToolJson',
          },
        },
      ],
    });
    const error = await provider
      .chat({ messages: [{ role: 'user', content: 'hi' }], tools: [weather] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider_malformed_response' });
    expect((error as Error).message).toMatch(/arguments for tool "get_weather" that are not valid JSON/);
  });

  it('reports malformed tool-call JSON while streaming too', async () => {
    const { provider } = await providerOn({
      rules: [
        {
          reply: {
            toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }],
            fault: 'malformedToolJson',
          },
        },
      ],
    });
    const error = await collect(
      provider.stream({ messages: [{ role: 'user', content: 'hi' }], tools: [weather] }),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_malformed_response' });
  });

  it('aborts mid-stream, raising AbortedError and freeing the server slot', async () => {
    const { provider, sim } = await providerOn({
      slots: 1,
      latency: { decodeMsPerToken: 20 },
      rules: [{ reply: { text: 'a long answer '.repeat(50) } }],
    });
    const controller = new AbortController();
    const received: string[] = [];
    const error = await (async () => {
      for await (const event of provider.stream(
        { messages: [{ role: 'user', content: 'go' }] },
        { signal: controller.signal },
      )) {
        if (event.type === 'text-delta') received.push(event.text);
        if (received.length === 3) controller.abort();
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortedError);
    expect(received).toHaveLength(3);
    await expect.poll(() => sim.stats().active).toBe(0);
    expect(sim.stats().aborted).toBe(1);
    // The freed slot serves the next request.
    const next = await provider.chat({ messages: [{ role: 'user', content: 'again' }], maxTokens: 2 });
    expect(next.finishReason).toBe('length');
  });

  it('times out a hanging request with a retryable provider_timeout', async () => {
    const { provider } = await providerOn({ rules: [{ reply: { fault: 'hang' } }] });
    const error = await provider
      .chat({ messages: [{ role: 'user', content: 'hi' }] }, { timeoutMs: 200 })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_timeout', retryable: true });
  });

  it('reports an unreachable server as a retryable provider_unavailable', async () => {
    const provider = await createModelProvider('openai-compatible:http://127.0.0.1:9/v1#nothing', {
      settings: { maxRetries: 0 },
      discoverContextWindow: false,
    });
    const error = await provider
      .chat({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect((error as Error).message).toMatch(/Could not connect .* Is the server running\?/);
  });

  it('embeds texts deterministically', async () => {
    const { provider } = await providerOn({ embeddingDimensions: 16 });
    const first = await provider.embed(['the cat sat', 'quantum chromodynamics']);
    const again = await provider.embed(['the cat sat']);
    expect(first.embeddings).toHaveLength(2);
    expect(first.embeddings[0]).toHaveLength(16);
    expect(again.embeddings[0]).toEqual(first.embeddings[0]);
    expect(first.usage.promptTokens).toBeGreaterThan(0);
  });
});
