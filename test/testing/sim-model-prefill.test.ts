import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ChatMessage } from '../../src/models/types.js';
import { countChatTokens, createTokenizer } from '../../src/models/tokenizer.js';
import type { SimModelOptions } from '../../src/testing/index.js';
import { useSimServers } from './harness.js';
import type { Dialect } from './replies.js';
import { askerFor } from './replies.js';

const startServer = useSimServers();
const tokenizer = createTokenizer('o200k_base', false);
const DIALECTS: Dialect[] = ['openai', 'anthropic'];

// Three kinds of reply: long-tailed filler (no rule), scripted text with multi-byte characters and
// templates, and scripted text followed by a tool call.
const options: SimModelOptions = {
  seed: 5,
  replyTokens: { distribution: 'lognormal', median: 24, p99: 160, max: 300 },
  rules: [
    {
      match: { lastUser: '^tool' },
      reply: {
        text: 'Looking up “{{lastUser}}” 🔎',
        toolCalls: [{ name: 'lookup', arguments: { term: '{{lastUser}}', limit: 3 } }],
      },
    },
    { match: { lastUser: '^script' }, reply: { text: 'Grüße 🚀 — {{lastUser}} — 東京も.' } },
  ],
};

function promptTokens(system: string | undefined, user: string, prefill: string): number {
  const messages: ChatMessage[] = [];
  if (system !== undefined) messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: user }, { role: 'assistant', content: prefill });
  return countChatTokens(tokenizer, messages);
}

describe.each(DIALECTS)('SimModelServer assistant prefill (%s)', (dialect) => {
  it('continues any cut of the reply so that prefix + continuation is the unprefilled reply', async () => {
    const ask = askerFor(await startServer(options), dialect);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('plain', 'script', 'tool'),
        fc.string({ unit: 'grapheme', maxLength: 24 }),
        fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
        fc.nat(),
        fc.boolean(),
        fc.boolean(),
        async (kind, words, system, cut, streamWhole, streamRest) => {
          const user = `${kind} ${words}`;
          const whole = await ask({ user, system, stream: streamWhole });
          const prefix = whole.text.slice(0, cut % (whole.text.length + 1));
          const rest = await ask({ user, system, prefill: prefix, stream: streamRest });
          expect(prefix + rest.text).toBe(whole.text);
          expect(rest.toolCalls).toEqual(whole.toolCalls);
          expect(rest.finish).toBe(whole.finish);
          const toolTokens = rest.toolCalls.reduce((sum, call) => sum + tokenizer.count(call.arguments), 0);
          expect(rest.completionTokens).toBe(tokenizer.count(rest.text) + toolTokens);
          expect(rest.promptTokens).toBe(promptTokens(system, user, prefix));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sends what follows the common prefix when the prefill departs from the reply', async () => {
    const ask = askerFor(
      await startServer({ rules: [{ reply: { text: 'Hello world', completionTokens: 10 } }] }),
      dialect,
    );
    const user = 'greet';
    expect(await ask({ user, prefill: 'Hello wrong' })).toMatchObject({ text: 'orld' });
    const beyond = await ask({ user, prefill: 'Hello world, and more' });
    expect(beyond.text).toBe('');
    // A scripted count stands for the whole reply; the continuation owes what the prefill did not cover.
    expect(beyond.completionTokens).toBe(10 - tokenizer.count('Hello world'));
    expect((await ask({ user, prefill: 'Hel' })).completionTokens).toBe(10 - tokenizer.count('Hel'));
  });

  it('caps the continuation at max_tokens', async () => {
    const ask = askerFor(await startServer({ defaultReplyTokens: 40 }), dialect);
    const whole = await ask({ user: 'tell me' });
    const prefix = whole.text.slice(0, 30);
    const rest = await ask({ user: 'tell me', prefill: prefix, maxTokens: 3 });
    expect(rest.completionTokens).toBe(3);
    expect(rest.finish).toBe(dialect === 'openai' ? 'length' : 'max_tokens');
    expect(whole.text.startsWith(prefix + rest.text)).toBe(true);
  });
});

describe('SimModelServer assistant prefill, dialect rules', () => {
  it('treats a final assistant message as history on OpenAI without continue_final_message', async () => {
    const server = await startServer();
    const url = `${server.baseUrl}/chat/completions`;
    const whole = await askerFor(server, 'openai')({ user: 'go on' });
    const prefill = whole.text.slice(0, 12);
    const post = async (extra: Record<string, unknown>): Promise<string> => {
      const messages = [
        { role: 'user', content: 'go on' },
        { role: 'assistant', content: prefill },
      ];
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages, ...extra }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      return body.choices[0]?.message.content ?? '';
    };
    const history = await post({});
    expect(await post({ add_generation_prompt: false })).toBe(history);
    const continued = await post({ continue_final_message: true, add_generation_prompt: false });
    expect(prefill + continued).toBe(whole.text);
    expect(history).not.toBe(continued);
    // With nothing to continue, the flag changes nothing.
    const plain = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: 'go on' }],
        continue_final_message: true,
      }),
    });
    expect(
      ((await plain.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toBe(whole.text);
  });

  it('rejects continuing with add_generation_prompt, or an assistant message with tool calls', async () => {
    const server = await startServer();
    const post = async (body: Record<string, unknown>, path = 'chat/completions'): Promise<unknown> => {
      const response = await fetch(`${server.rootUrl}/v1/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', max_tokens: 10, ...body }),
      });
      expect(response.status).toBe(400);
      return response.json();
    };
    const user = { role: 'user', content: 'hi' };
    expect(
      await post({
        messages: [user, { role: 'assistant', content: 'Hel' }],
        continue_final_message: true,
        add_generation_prompt: true,
      }),
    ).toMatchObject({ error: { param: 'continue_final_message', code: 'invalid_value' } });
    const call = { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } };
    expect(
      await post({
        messages: [user, { role: 'assistant', content: null, tool_calls: [call] }],
        continue_final_message: true,
      }),
    ).toMatchObject({ error: { param: 'messages[1].tool_calls' } });
    const toolUse = { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} };
    expect(
      await post({ messages: [user, { role: 'assistant', content: [toolUse] }] }, 'messages'),
    ).toMatchObject({
      error: { type: 'invalid_request_error', message: expect.stringMatching(/^messages\[1\]\.content: /) },
    });
  });
});
