import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';

import { useOpenAISims } from './harness.js';

const startSim = useOpenAISims();

const weatherTool: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('SimModelServer chat completions', () => {
  it('answers with the text of the first matching rule', async () => {
    const { client } = await startSim({
      rules: [
        { match: { lastUser: 'capital of france' }, reply: { text: 'Paris.' } },
        { reply: { text: 'I do not know.' } },
      ],
    });
    const response = await client.chat.completions.create({
      model: 'anything',
      messages: [{ role: 'user', content: 'What is the CAPITAL of France?' }],
    });
    expect(response.choices[0]?.message.content).toBe('Paris.');
    expect(response.choices[0]?.finish_reason).toBe('stop');
    expect(response.model).toBe('sim-model');
    expect(response.usage?.completion_tokens).toBe(2);
    expect(response.usage?.total_tokens).toBe(
      (response.usage?.prompt_tokens ?? 0) + (response.usage?.completion_tokens ?? 0),
    );
  });

  it('fills {{lastUser}} into a reply template', async () => {
    const { client } = await startSim({ rules: [{ reply: { text: 'You said: {{lastUser}}' } }] });
    const response = await client.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ],
    });
    expect(response.choices[0]?.message.content).toBe('You said: hello there');
  });

  it('calls a tool, then answers from the tool result', async () => {
    const { client } = await startSim({
      rules: [
        {
          match: { toolResultFrom: 'get_weather' },
          reply: { text: '{{toolName}} says {{lastToolResult}}' },
        },
        {
          match: { lastUser: '^weather in', hasTools: true },
          reply: { toolCalls: [{ name: 'get_weather', arguments: { city: '{{lastUser}}' } }] },
        },
      ],
    });
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'weather in "Oslo"' },
    ];
    const first = await client.chat.completions.create({ model: 'm', messages, tools: [weatherTool] });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(call.function.name).toBe('get_weather');
    // Templated values are substituted before serialising, so quotes in them stay valid JSON.
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'weather in "Oslo"' });

    messages.push(choice!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' });
    const second = await client.chat.completions.create({ model: 'm', messages, tools: [weatherTool] });
    expect(second.choices[0]?.message.content).toBe('get_weather says sunny, 21C');
    expect(second.choices[0]?.finish_reason).toBe('stop');
  });

  it('gives the same default reply for the same seed and another for a different seed', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Tell me something.' },
    ];
    const reply = async (seed: number): Promise<OpenAI.Chat.ChatCompletion> => {
      const { client } = await startSim({ seed });
      return client.chat.completions.create({ model: 'm', messages });
    };
    const [a, b, c] = await Promise.all([reply(1), reply(1), reply(2)]);
    const text = a.choices[0]?.message.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(b.choices[0]?.message.content).toBe(text);
    expect(c.choices[0]?.message.content).not.toBe(text);
    expect(a.usage?.completion_tokens).toBe(32);
    expect(a.id).toBe(b.id);
  });

  it('cuts the reply at max_tokens with finish_reason length', async () => {
    const { client } = await startSim();
    const response = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Tell me something long.' }],
      max_tokens: 5,
    });
    expect(response.choices[0]?.finish_reason).toBe('length');
    expect(response.usage?.completion_tokens).toBe(5);
  });

  it('rejects a prompt over the context window with OpenAI context_length_exceeded', async () => {
    const { server } = await startSim({ contextWindow: 200 });
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: 'word '.repeat(150) }],
        max_tokens: 100,
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toEqual({
      message: expect.stringMatching(
        /^This model's maximum context length is 200 tokens\. However, you requested (\d+) tokens \((\d+) in the messages, 100 in the completion\)\. Please reduce the length of the messages or completion\.$/,
      ) as unknown,
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    });
    const [, total, prompt] = /requested (\d+) tokens \((\d+)/.exec(String(body.error['message'])) ?? [];
    expect(Number(total)).toBe(Number(prompt) + 100);
  });

  it('rejects a malformed body with a 400 naming the field', async () => {
    const { server, client } = await startSim();
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'robot', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { param: string; type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.param).toBe('messages[0].role');
    expect(body.error.message).toContain('messages[0].role');

    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toMatchObject({
      status: 400,
      param: 'messages',
    });
  });

  it('lists the model with its context window and answers unknown paths with a JSON 404', async () => {
    const { server, client } = await startSim({ model: 'sim-large', contextWindow: 32_000 });
    const models = await client.models.list();
    expect(models.data).toEqual([
      expect.objectContaining({
        id: 'sim-large',
        object: 'model',
        max_model_len: 32_000,
        context_window: 32_000,
      }),
    ]);
    expect(await client.models.retrieve('sim-large')).toMatchObject({
      id: 'sim-large',
      owned_by: 'hydra-sim',
    });
    await expect(client.models.retrieve('other/model')).rejects.toMatchObject({ status: 404 });
    const missing = await fetch(`${server.baseUrl}/completions`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: {
        message: 'Invalid URL (POST /v1/completions)',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  });
});
