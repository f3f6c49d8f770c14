import fc from 'fast-check';
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';

import { countChatTokens, createTokenizer } from '../../src/models/tokenizer.js';
import type { ChatMessage, ToolDefinition } from '../../src/models/types.js';
import type { Conversation } from '../../src/testing/sim-model/conversation.js';
import { TokenCountCache } from '../../src/testing/sim-model/token-cache.js';
import { useOpenAISims, waitFor } from './harness.js';

const startSim = useOpenAISims();

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function completionTokens(client: OpenAI, content: string, maxTokens?: number): Promise<number> {
  const response = await client.chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content }],
    ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
  });
  return response.usage?.completion_tokens ?? -1;
}

describe('SimModelServer long-tailed reply lengths', () => {
  it('draws filler lengths with the configured median and p99, the same for each conversation', async () => {
    const replyTokens = { distribution: 'lognormal', median: 60, p99: 600, max: 2000 } as const;
    const { client } = await startSim({ seed: 3, replyTokens, contextWindow: 32_000 });
    const lengths: number[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const asks = Array.from({ length: 100 }, (_, i) => completionTokens(client, `task ${batch * 100 + i}`));
      lengths.push(...(await Promise.all(asks)));
    }
    const sorted = [...lengths].sort((a, b) => a - b);
    expect(Math.abs(quantile(sorted, 0.5) / replyTokens.median - 1)).toBeLessThan(0.15);
    expect(Math.abs(quantile(sorted, 0.99) / replyTokens.p99 - 1)).toBeLessThan(0.15);
    expect(sorted[0]).toBeGreaterThanOrEqual(1);
    expect(sorted.at(-1)).toBeLessThanOrEqual(replyTokens.max);

    // Deterministic per conversation (not per arrival), and another seed draws other lengths.
    const again = await Promise.all([7, 1500, 42].map((i) => completionTokens(client, `task ${i}`)));
    expect(again).toEqual([lengths[7], lengths[1500], lengths[42]]);
    const { client: other } = await startSim({ seed: 4, replyTokens, contextWindow: 32_000 });
    const reseeded = await Promise.all(
      lengths.slice(0, 20).map((_, i) => completionTokens(other, `task ${i}`)),
    );
    expect(reseeded).not.toEqual(lengths.slice(0, 20));
  });

  it('clamps draws to max, is capped by max_tokens, and leaves scripted text alone', async () => {
    const { client } = await startSim({
      replyTokens: { distribution: 'lognormal', median: 50, p99: 5000, max: 80 },
      rules: [{ match: { lastUser: 'scripted' }, reply: { text: 'ok' } }],
    });
    const lengths = await Promise.all(
      Array.from({ length: 50 }, (_, i) => completionTokens(client, `q${i}`)),
    );
    expect(Math.max(...lengths)).toBe(80);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(1);
    expect(await completionTokens(client, 'q1', 5)).toBe(Math.min(5, lengths[1] ?? 0));
    expect(await completionTokens(client, 'scripted')).toBe(1);

    const { client: fixed } = await startSim({ replyTokens: { distribution: 'fixed', median: 12 } });
    expect(await Promise.all(['a', 'b', 'c'].map((q) => completionTokens(fixed, q)))).toEqual([12, 12, 12]);
  });
});

describe('SimModelServer prompt-token cache', () => {
  const tokenizer = createTokenizer('o200k_base', false);
  const tools: ToolDefinition[] = [
    { name: 'search', description: 'Search the web', parameters: { type: 'object', properties: {} } },
  ];

  it('counts exactly what countChatTokens counts, tokenizing only texts it has not seen', () => {
    const messages = fc.array(
      fc.oneof(
        fc.record({ role: fc.constantFrom('system', 'user'), content: fc.string({ unit: 'grapheme' }) }),
        fc.record({
          role: fc.constant('assistant'),
          content: fc.string(),
          toolCalls: fc.array(
            fc.record({
              id: fc.string(),
              name: fc.string(),
              arguments: fc.dictionary(fc.string(), fc.string()),
            }),
            { maxLength: 2 },
          ),
        }),
        fc.record({
          role: fc.constant('tool'),
          content: fc.string(),
          toolCallId: fc.string(),
          name: fc.string(),
        }),
      ),
      { maxLength: 12 },
    ) as fc.Arbitrary<ChatMessage[]>;
    const cache = new TokenCountCache(tokenizer, 50);
    fc.assert(
      fc.property(messages, fc.boolean(), (list, withTools) => {
        const conversation: Conversation = { model: 'm', messages: list, tools: withTools ? tools : [] };
        const expected = countChatTokens(tokenizer, structuredClone(list), conversation.tools);
        // Twice: once filling the cache, once served from it (fresh objects, as each request parses).
        expect(cache.promptTokens(conversation)).toBe(expected);
        expect(cache.promptTokens(structuredClone(conversation))).toBe(expected);
        expect(cache.size).toBeLessThanOrEqual(50);
      }),
      { numRuns: 200 },
    );
  });

  it('tokenizes only the new message of a grown conversation and evicts the least recently used', () => {
    const cache = new TokenCountCache(tokenizer, 6);
    const history: ChatMessage[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
    ];
    cache.promptTokens({ model: 'm', messages: history, tools: [] });
    const misses = cache.misses;
    const grown = [...structuredClone(history), { role: 'user' as const, content: 'second question' }];
    expect(cache.promptTokens({ model: 'm', messages: grown, tools: [] })).toBe(
      countChatTokens(tokenizer, structuredClone(grown)),
    );
    expect(cache.misses - misses).toBe(1);
    expect(cache.size).toBe(6);

    const lru = new TokenCountCache(tokenizer, 2);
    for (const text of ['alpha', 'beta', 'alpha', 'gamma']) lru.count(text);
    // 'beta' was used least recently, so 'gamma' displaced it.
    const before = lru.misses;
    lru.count('alpha');
    lru.count('gamma');
    expect(lru.misses).toBe(before);
    lru.count('beta');
    expect(lru.misses).toBe(before + 1);
  });

  it('reports the same prompt tokens with the cache off', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Ünïcode and 🚀 and plain words' },
    ];
    const usage = async (entries: number): Promise<number | undefined> => {
      const { server, client } = await startSim({ tokenCountCacheEntries: entries });
      await client.chat.completions.create({ model: 'm', messages });
      const response = await client.chat.completions.create({ model: 'm', messages });
      // Four texts (two roles, two contents) per request: missed once, then served from the cache.
      expect(server.stats().tokenCountCache).toEqual(
        entries > 0 ? { entries: 4, hits: 4, misses: 4 } : { entries: 0, hits: 0, misses: 8 },
      );
      return response.usage?.prompt_tokens;
    };
    expect(await usage(100)).toBe(await usage(0));
  });
});

describe('SimModelServer batch slowdown', () => {
  it('stretches decode by 1 + batchSlowdown x (other generations in flight)', async () => {
    const { server, client } = await startSim({
      slots: 4,
      batchSlowdown: 1,
      defaultReplyTokens: 100,
      latency: { decodeMsPerToken: 1 },
      rules: [{ match: { lastUser: 'block' }, reply: { fault: 'hang' } }],
    });
    const timed = async (): Promise<number> => {
      const started = performance.now();
      expect(await completionTokens(client, 'work')).toBe(100);
      return performance.now() - started;
    };
    const alone = await timed();
    // Three stuck generations hold slots, so the measured one decodes in a batch of four: 4x slower.
    const blockers = Array.from({ length: 3 }, () => new AbortController());
    const blocked = blockers.map((blocker) =>
      client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'block' }] }, { signal: blocker.signal })
        .catch(() => undefined),
    );
    await waitFor(() => server.stats().active === 3);
    const batched = await timed();
    for (const blocker of blockers) blocker.abort();
    await Promise.all(blocked);
    // The pacer is never early, so the lower bound is exact; the comparison only needs alone < batched.
    expect(alone).toBeGreaterThanOrEqual(99);
    expect(batched).toBeGreaterThanOrEqual(399);
    expect(batched).toBeGreaterThan(alone);
  });
});
