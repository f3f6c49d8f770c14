import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';

import { useOpenAISims, waitFor } from './harness.js';

const startSim = useOpenAISims();

const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'Stream me a story about a café in Zürich.' },
];

describe('SimModelServer streaming chat completions', () => {
  it('streams token chunks that reassemble to the non-streaming text', async () => {
    const { client } = await startSim({ defaultReplyTokens: 40 });
    const whole = await client.chat.completions.create({ model: 'm', messages });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    const deltas: string[] = [];
    let finish: string | null = null;
    let role: string | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      role ??= choice?.delta.role;
      if (choice?.delta.content) deltas.push(choice.delta.content);
      finish = choice?.finish_reason ?? finish;
      expect(chunk.object).toBe('chat.completion.chunk');
    }
    expect(role).toBe('assistant');
    expect(deltas.length).toBe(40);
    expect(deltas.join('')).toBe(whole.choices[0]?.message.content);
    expect(finish).toBe('stop');
  });

  it('keeps multi-byte characters whole when streaming a scripted reply', async () => {
    const text = 'Grüße aus Zürich 🚀 — 東京も';
    const { client } = await startSim({ rules: [{ reply: { text } }] });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let assembled = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content ?? '';
      expect(delta).not.toContain('\uFFFD');
      assembled += delta;
    }
    expect(assembled).toBe(text);
  });

  it('sends a final usage chunk when stream_options.include_usage is set', async () => {
    const { client } = await startSim({ rules: [{ reply: { text: 'one two three' } }] });
    const whole = await client.chat.completions.create({ model: 'm', messages });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(whole.usage);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('streams tool calls with arguments split across chunks', async () => {
    const args = { query: 'latest hydra release notes', limit: 5, filters: { lang: 'en' } };
    const { client } = await startSim({
      rules: [{ reply: { text: 'Searching.', toolCalls: [{ name: 'search', arguments: args }] } }],
    });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let argumentChunks = 0;
    let id: string | undefined;
    let name: string | undefined;
    let json = '';
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? '';
      for (const call of choice?.delta.tool_calls ?? []) {
        expect(call.index).toBe(0);
        id ??= call.id;
        name ??= call.function?.name;
        if (call.function?.arguments) {
          argumentChunks += 1;
          json += call.function.arguments;
        }
      }
      finish = choice?.finish_reason ?? finish;
    }
    expect(text).toBe('Searching.');
    expect(id).toMatch(/^call_/);
    expect(name).toBe('search');
    expect(argumentChunks).toBeGreaterThan(1);
    expect(JSON.parse(json)).toEqual(args);
    expect(finish).toBe('tool_calls');
  });

  it('frees the slot at once when the client aborts mid-stream', async () => {
    const { server, client } = await startSim({
      slots: 1,
      defaultReplyTokens: 500,
      latency: { decodeMsPerToken: 20 },
    });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'm', messages, stream: true },
      { signal: controller.signal },
    );
    let received = 0;
    // The SDK ends the iteration quietly when its own signal aborts it.
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) received += 1;
      if (received === 3) controller.abort();
    }
    expect(received).toBe(3);
    await waitFor(() => server.stats().aborted === 1);
    const stats = server.stats();
    expect(stats.active).toBe(0);
    expect(stats.completionTokens).toBe(0);
    // The freed slot serves the next request straight away.
    const next = await client.chat.completions.create({ model: 'm', messages, max_tokens: 2 });
    expect(next.choices[0]?.finish_reason).toBe('length');
  });

  it('paces output by the configured per-token latency on average', async () => {
    const { client } = await startSim({
      defaultReplyTokens: 200,
      latency: { prefillMsPerToken: 0.1, decodeMsPerToken: 0.25 },
    });
    const started = performance.now();
    const response = await client.chat.completions.create({ model: 'm', messages });
    const elapsed = performance.now() - started;
    const scheduled = (response.usage?.prompt_tokens ?? 0) * 0.1 + 200 * 0.25;
    // Sub-millisecond delays accumulate into real sleeps: the response is never early.
    expect(elapsed).toBeGreaterThanOrEqual(scheduled - 1);
  });
});
