import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';

import type { SimModelOptions } from '../../src/testing/index.js';
import { useOpenAISims, waitFor } from './harness.js';

const startSim = useOpenAISims();

function ask(client: OpenAI, content: string, signal?: AbortSignal): Promise<OpenAI.Chat.ChatCompletion> {
  return client.chat.completions.create(
    { model: 'm', messages: [{ role: 'user', content }] },
    signal === undefined ? {} : { signal },
  );
}

// A rule that hangs the first request holds the only slot for as long as the test wants, so queueing and
// rejection are driven by events rather than by timing.
const hangFirst: SimModelOptions['rules'] = [
  { match: { lastUser: 'block' }, reply: { fault: 'hang' }, times: 1 },
];

describe('SimModelServer slots', () => {
  it('queues excess requests FIFO when every slot is busy', async () => {
    const { server, client } = await startSim({ slots: 1, rules: hangFirst });
    const blocker = new AbortController();
    const blocked = ask(client, 'block', blocker.signal).catch((error: unknown) => error);
    await waitFor(() => server.stats().active === 1);

    // Sent one at a time so their arrival order is known; each waits behind the blocker.
    const finished: string[] = [];
    const queued: Promise<OpenAI.Chat.ChatCompletion>[] = [];
    for (const name of ['first', 'second', 'third']) {
      queued.push(
        ask(client, name).then((response) => {
          finished.push(name);
          return response;
        }),
      );
      await waitFor(() => server.stats().queued === queued.length);
    }
    expect(finished).toEqual([]);

    blocker.abort();
    const responses = await Promise.all(queued);
    expect(responses.every((response) => response.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(finished).toEqual(['first', 'second', 'third']);
    expect(await blocked).toBeInstanceOf(Error);
    const stats = server.stats();
    expect(stats).toMatchObject({ maxConcurrent: 1, maxQueued: 3, active: 0, queued: 0, aborted: 1 });
    expect(stats.responses).toEqual({ '200': 3 });
  });

  it('never runs more generations at once than there are slots', async () => {
    const { server, client } = await startSim({ slots: 2, latency: { decodeMsPerToken: 0.5 } });
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(client, `question ${i}`)));
    expect(responses).toHaveLength(8);
    const stats = server.stats();
    expect(stats.maxConcurrent).toBeLessThanOrEqual(2);
    expect(stats.requests.byEndpoint.chatCompletions).toBe(8);
    expect(stats.completionTokens).toBe(8 * 32);
    expect(stats.busySlotMs).toBeGreaterThan(0);
  });

  it('answers 429 with Retry-After when every slot is busy in reject mode', async () => {
    const { server, client } = await startSim({
      slots: 1,
      overflow: 'reject',
      retryAfterSeconds: 3,
      rules: hangFirst,
    });
    const blocker = new AbortController();
    const blocked = ask(client, 'block', blocker.signal).catch((error: unknown) => error);
    await waitFor(() => server.stats().active === 1);

    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.json()).toEqual({
      error: expect.objectContaining({ type: 'requests', code: 'rate_limit_exceeded' }) as unknown,
    });
    await expect(ask(client, 'hi')).rejects.toBeInstanceOf(OpenAI.RateLimitError);

    blocker.abort();
    await blocked;
    await waitFor(() => server.stats().active === 0);
    expect(server.stats()).toMatchObject({ rejected: 2, maxConcurrent: 1 });
    expect((await ask(client, 'hi')).choices[0]?.finish_reason).toBe('stop');
  });
});

describe('SimModelServer faults', () => {
  it('scripts "429 once, then success" with a fault rule limited by times', async () => {
    const { server, client } = await startSim({
      retryAfterSeconds: 2,
      rules: [{ reply: { fault: '429' }, times: 1 }, { reply: { text: 'ok' } }],
    });
    const error = await ask(client, 'hi').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('2');
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
    expect((await ask(client, 'hi')).choices[0]?.message.content).toBe('ok');
    expect(server.stats().faults['429']).toBe(1);
    expect(server.stats().responses).toEqual({ '200': 1, '429': 1 });

    // A full reset rewinds the script, so the scenario can be replayed on the same server.
    await fetch(`${server.rootUrl}/sim/reset?scope=all`, { method: 'POST' });
    await expect(ask(client, 'hi')).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    expect(server.stats().responses).toEqual({ '429': 1 });
  });

  it('answers a scripted 500 with the OpenAI server_error shape', async () => {
    const { server } = await startSim({ rules: [{ reply: { fault: '500' } }] });
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    });
  });

  it('injects rate faults in the same sequence for the same seed', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const { client } = await startSim({ seed, faults: { rate429: 0.3, rate500: 0.2 } });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        statuses.push(
          await ask(client, `q${i}`).then(
            () => 200,
            (error: unknown) => (error as { status: number }).status,
          ),
        );
      }
      return statuses;
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 429, 500]));
    const other = await run(43);
    expect(other).not.toEqual(first);
  });

  it('frees the slot when the client aborts a hanging request', async () => {
    const { server, client } = await startSim({ slots: 1, faults: { rateHang: 1 } });
    const controller = new AbortController();
    const pending = ask(client, 'hi', controller.signal);
    await waitFor(() => server.stats().active === 1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await waitFor(() => server.stats().active === 0);
    expect(server.stats()).toMatchObject({ aborted: 1, active: 0, faults: { hang: 1 }, responses: {} });
  });

  it('answers a hanging request with 504 after hangMs', async () => {
    const { client } = await startSim({ hangMs: 20, rules: [{ reply: { fault: 'hang' } }] });
    await expect(ask(client, 'hi')).rejects.toMatchObject({ status: 504 });
  });

  it('stop() ends hanging requests instead of waiting for them', async () => {
    const { server, client } = await startSim({ rules: [{ reply: { fault: 'hang' } }] });
    const pending = ask(client, 'hi').catch((error: unknown) => error);
    await waitFor(() => server.stats().active === 1);
    await server.stop();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(server.stats().active).toBe(0);
  });

  it('truncates tool-call arguments into invalid JSON for the malformed-tool-JSON fault', async () => {
    const { server, client } = await startSim({
      faults: { rateMalformedToolJson: 1 },
      rules: [{ reply: { toolCalls: [{ name: 'search', arguments: { query: 'hydra agents' } }] } }],
    });
    const response = await ask(client, 'find it');
    const call = response.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.function.name).toBe('search');
    expect(() => JSON.parse(call.function.arguments) as unknown).toThrow(SyntaxError);
    expect('{"query":"hydra agents"}'.startsWith(call.function.arguments)).toBe(true);
    expect(server.stats().faults.malformedToolJson).toBe(1);
  });

  it('reports the same counters on GET /sim/stats and resets them on POST /sim/reset', async () => {
    const { server, client } = await startSim({ rules: [{ reply: { text: 'ok' } }] });
    await ask(client, 'hi');
    await client.embeddings.create({ model: 'e', input: ['a', 'b'] });
    const stats = (await (await fetch(server.baseUrl.replace(/\/v1$/, '/sim/stats'))).json()) as unknown;
    expect(stats).toEqual(server.stats());
    expect(server.stats()).toMatchObject({
      requests: { total: 2, byEndpoint: { chatCompletions: 1, embeddings: 1, messages: 0 } },
      responses: { '200': 2 },
      completionTokens: 1,
      embeddings: 2,
    });
    expect(server.stats().promptTokens).toBeGreaterThan(0);
    expect((await fetch(`${server.rootUrl}/sim/reset`, { method: 'POST' })).status).toBe(200);
    expect(server.stats()).toMatchObject({ requests: { total: 0 }, responses: {}, promptTokens: 0 });
    expect(await (await fetch(`${server.rootUrl}/health`)).json()).toEqual({ status: 'ok' });
  });
});
