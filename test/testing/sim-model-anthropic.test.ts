import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';

import type { SimModelOptions } from '../../src/testing/index.js';
import type { SimModelServer } from '../../src/testing/index.js';
import { anthropicClientFor, openAIClientFor, useSimServers } from './harness.js';

const startServer = useSimServers();

async function startSim(
  options: SimModelOptions = {},
): Promise<{ server: SimModelServer; client: Anthropic }> {
  const server = await startServer(options);
  return { server, client: anthropicClientFor(server) };
}

const tools: Anthropic.Tool[] = [
  {
    name: 'lookup',
    description: 'Look a term up',
    input_schema: { type: 'object', properties: { term: { type: 'string' } } },
  },
];

describe('SimModelServer Anthropic messages', () => {
  it('answers a scripted rule, matching on the top-level system prompt', async () => {
    const { client } = await startSim({
      model: 'sim-claude',
      rules: [
        { match: { system: 'pirate' }, reply: { text: 'Arr, {{lastUser}}!' } },
        { reply: { text: 'plain' } },
      ],
    });
    const message = await client.messages.create({
      model: 'claude-whatever',
      max_tokens: 100,
      system: 'You are a pirate.',
      messages: [{ role: 'user', content: 'ahoy' }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'sim-claude',
      content: [{ type: 'text', text: 'Arr, ahoy!' }],
      stop_reason: 'end_turn',
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streams events that assemble to the non-streaming message', async () => {
    const { client } = await startSim({ defaultReplyTokens: 24 });
    const params = {
      model: 'm',
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: 'Say something.' }],
    };
    const whole = await client.messages.create(params);
    const stream = client.messages.stream(params);
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    const streamed = await stream.finalMessage();
    expect(streamed.content).toEqual(whole.content);
    expect(streamed.usage.output_tokens).toBe(24);
    expect(streamed.stop_reason).toBe('end_turn');
    expect(events[0]).toBe('message_start');
    expect(events.filter((type) => type === 'content_block_delta')).toHaveLength(24);
    expect(events.slice(-4)).toEqual([
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('gives the same filler text as the OpenAI endpoint for the same conversation', async () => {
    const { server, client } = await startSim({ seed: 9 });
    const openai = openAIClientFor(server);
    const viaAnthropic = await client.messages.create({
      model: 'm',
      max_tokens: 100,
      system: 'Be helpful.',
      messages: [{ role: 'user', content: 'Hello?' }],
    });
    const viaOpenAi = await openai.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be helpful.' },
        { role: 'user', content: 'Hello?' },
      ],
    });
    expect(viaAnthropic.content).toEqual([{ type: 'text', text: viaOpenAi.choices[0]?.message.content }]);
    expect(viaAnthropic.usage.input_tokens).toBe(viaOpenAi.usage?.prompt_tokens);
  });

  it('emits tool_use blocks and reads tool_result blocks back', async () => {
    const { client } = await startSim({
      rules: [
        { match: { toolResultFrom: 'lookup' }, reply: { text: 'Found: {{lastToolResult}}' } },
        {
          match: { hasTools: true },
          reply: { toolCalls: [{ name: 'lookup', arguments: { term: 'hydra' } }] },
        },
      ],
    });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'what is hydra?' }];
    const first = await client.messages
      .stream({ model: 'm', max_tokens: 200, tools, messages })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((block) => block.type === 'tool_use');
    if (use?.type !== 'tool_use') throw new Error('expected a tool_use block');
    expect(use).toMatchObject({ name: 'lookup', input: { term: 'hydra' } });
    expect(use.id).toMatch(/^toolu_/);

    messages.push(
      { role: 'assistant', content: first.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a many-headed beast' }],
      },
    );
    const second = await client.messages.create({ model: 'm', max_tokens: 200, tools, messages });
    expect(second.content).toEqual([{ type: 'text', text: 'Found: a many-headed beast' }]);
  });

  it('answers faults and overflow with Anthropic error shapes', async () => {
    const { server, client } = await startSim({
      contextWindow: 300,
      rules: [{ match: { lastUser: 'limit' }, reply: { fault: '429' } }],
    });
    const limited = await client.messages
      .create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'limit me' }] })
      .catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).error).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.any(String) as unknown },
    });

    const response = await fetch(`${server.rootUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'long '.repeat(400) }],
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^prompt is too long: \d+ tokens > 300 maximum$/);

    await expect(
      client.messages.create({ model: 'm', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error' } } });
  });
});
