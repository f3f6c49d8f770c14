/**
 * Dialect-neutral requests for the tests: one conversation (an optional system prompt and one user
 * message), optionally with an assistant prefill, sent through the real OpenAI or Anthropic SDK, streamed
 * or not, and read back into the same shape.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';

import type { SimModelServer } from '../../src/testing/index.js';
import { anthropicClientFor, openAIClientFor } from './harness.js';

export type Dialect = 'openai' | 'anthropic';

export interface Reply {
  text: string;
  /** `arguments` is the JSON text as sent (Anthropic's parsed `input`, re-serialised). */
  toolCalls: { id: string; name: string; arguments: string }[];
  finish: string;
  promptTokens: number;
  completionTokens: number;
}

export interface Ask {
  user: string;
  system?: string | undefined;
  /** Sent as a final assistant message to continue (OpenAI: with `continue_final_message`). */
  prefill?: string | undefined;
  stream?: boolean | undefined;
  maxTokens?: number | undefined;
}

export type Asker = (ask: Ask) => Promise<Reply>;

function openAiMessages(ask: Ask): OpenAI.Chat.ChatCompletionMessageParam[] {
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  if (ask.system !== undefined) messages.push({ role: 'system', content: ask.system });
  messages.push({ role: 'user', content: ask.user });
  if (ask.prefill !== undefined) messages.push({ role: 'assistant', content: ask.prefill });
  return messages;
}

async function askOpenAi(client: OpenAI, ask: Ask): Promise<Reply> {
  const base = {
    model: 'm',
    messages: openAiMessages(ask),
    ...(ask.maxTokens === undefined ? {} : { max_tokens: ask.maxTokens }),
    // vLLM's fields; the SDK sends unknown body fields through unchanged.
    ...(ask.prefill === undefined ? {} : { continue_final_message: true, add_generation_prompt: false }),
  };
  if (ask.stream !== true) {
    const response = await client.chat.completions.create(base);
    const choice = response.choices[0];
    return {
      text: choice?.message.content ?? '',
      toolCalls: (choice?.message.tool_calls ?? []).flatMap((call) =>
        call.type === 'function'
          ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }]
          : [],
      ),
      finish: choice?.finish_reason ?? '',
      promptTokens: response.usage?.prompt_tokens ?? -1,
      completionTokens: response.usage?.completion_tokens ?? -1,
    };
  }
  const stream = await client.chat.completions.create({
    ...base,
    stream: true,
    stream_options: { include_usage: true },
  });
  const reply: Reply = { text: '', toolCalls: [], finish: '', promptTokens: -1, completionTokens: -1 };
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    reply.text += choice?.delta.content ?? '';
    for (const call of choice?.delta.tool_calls ?? []) {
      const entry = (reply.toolCalls[call.index] ??= { id: '', name: '', arguments: '' });
      entry.id += call.id ?? '';
      entry.name += call.function?.name ?? '';
      entry.arguments += call.function?.arguments ?? '';
    }
    reply.finish = choice?.finish_reason ?? reply.finish;
    if (chunk.usage) {
      reply.promptTokens = chunk.usage.prompt_tokens;
      reply.completionTokens = chunk.usage.completion_tokens;
    }
  }
  return reply;
}

async function askAnthropic(client: Anthropic, ask: Ask): Promise<Reply> {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: ask.user }];
  if (ask.prefill !== undefined) messages.push({ role: 'assistant', content: ask.prefill });
  const params = {
    model: 'm',
    max_tokens: ask.maxTokens ?? 2048,
    messages,
    ...(ask.system === undefined ? {} : { system: ask.system }),
  };
  const message =
    ask.stream === true
      ? await client.messages.stream(params).finalMessage()
      : await client.messages.create(params);
  const reply: Reply = {
    text: '',
    toolCalls: [],
    finish: message.stop_reason ?? '',
    promptTokens: message.usage.input_tokens,
    completionTokens: message.usage.output_tokens,
  };
  for (const block of message.content) {
    if (block.type === 'text') reply.text += block.text;
    if (block.type === 'tool_use') {
      reply.toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
    }
  }
  return reply;
}

/** Sends `Ask`s to `server` in the given dialect through the real SDK. */
export function askerFor(server: SimModelServer, dialect: Dialect): Asker {
  if (dialect === 'openai') {
    const client = openAIClientFor(server);
    return (ask) => askOpenAi(client, ask);
  }
  const client = anthropicClientFor(server);
  return (ask) => askAnthropic(client, ask);
}
