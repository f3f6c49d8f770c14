/**
 * The Anthropic Messages endpoint (plain and SSE streaming), on the same engine as the OpenAI routes.
 */
import type { Hono } from 'hono';

import { parseArguments } from './conversation.js';
import type { ActiveGeneration, SimEngine } from './engine.js';
import { anthropicError } from './errors.js';
import type { GenerationFinish } from './generation.js';
import type { SimContext, SimEnv } from './http.js';
import { admissionFailure, readBody, requestSignal, sendError, silent, sseResponse } from './http.js';
import { anthropicConversation, messagesRequestSchema } from './wire-anthropic.js';

const STOP_REASONS: Record<GenerationFinish, string> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  length: 'max_tokens',
};

function toolUseId(idHash: string): string {
  return `toolu_${idHash.slice(0, 24)}`;
}

/**
 * A tool_use block's input. A malformed-JSON fault cannot be expressed as an object, so the corrupted
 * arguments are sent as a string where an object belongs: a client must treat that as malformed.
 */
function toolInput(args: string, malformed: boolean): unknown {
  if (malformed) return args;
  const parsed = parseArguments(args);
  return '_raw' in parsed ? args : parsed;
}

function messageBody(engine: SimEngine, active: ActiveGeneration): Record<string, unknown> {
  const { generation } = active;
  const content: Record<string, unknown>[] = [];
  if (generation.text !== '' || generation.toolCalls.length === 0) {
    content.push({ type: 'text', text: generation.text });
  }
  for (const call of generation.toolCalls) {
    content.push({
      type: 'tool_use',
      id: toolUseId(call.idHash),
      name: call.name,
      input: toolInput(call.arguments, generation.malformed),
    });
  }
  return {
    id: `msg_${active.idHash.slice(0, 24)}`,
    type: 'message',
    role: 'assistant',
    model: engine.options.model,
    content,
    stop_reason: STOP_REASONS[generation.finish],
    stop_sequence: null,
    usage: { input_tokens: active.promptTokens, output_tokens: generation.completionTokens },
  };
}

function streamMessage(engine: SimEngine, active: ActiveGeneration, cancel: AbortController): Response {
  const { generation, pace } = active;
  return sseResponse(cancel, async (sink) => {
    const send = (event: Record<string, unknown> & { type: string }): void =>
      sink.send(JSON.stringify(event), event.type);
    let done = false;
    try {
      send({
        type: 'message_start',
        message: {
          ...messageBody(engine, active),
          content: [],
          stop_reason: null,
          usage: { input_tokens: active.promptTokens, output_tokens: 0 },
        },
      });
      if (!(await pace.prefill())) return;
      send({ type: 'ping' });
      let index = 0;
      if (generation.textPieces.length > 0 || generation.toolCalls.length === 0) {
        send({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        for (const piece of generation.textPieces) {
          if (!(await pace.piece())) return;
          send({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece.text } });
        }
        send({ type: 'content_block_stop', index });
        index += 1;
      }
      for (const call of generation.toolCalls) {
        send({
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: toolUseId(call.idHash), name: call.name, input: {} },
        });
        for (const piece of call.pieces) {
          if (!(await pace.piece())) return;
          send({
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: piece.text },
          });
        }
        send({ type: 'content_block_stop', index });
        index += 1;
      }
      if (!(await pace.tail())) return;
      send({
        type: 'message_delta',
        delta: { stop_reason: STOP_REASONS[generation.finish], stop_sequence: null },
        usage: { input_tokens: active.promptTokens, output_tokens: generation.completionTokens },
      });
      send({ type: 'message_stop' });
      done = true;
    } finally {
      if (done) active.complete();
      else active.abort();
    }
  });
}

async function messages(c: SimContext, engine: SimEngine): Promise<Response> {
  const parsed = await readBody(c, messagesRequestSchema);
  if (!parsed.ok) return sendError(c, anthropicError(parsed.failure));
  const request = parsed.data;
  const { signal, cancel } = requestSignal(c, engine);
  const admission = await engine.admit({
    conversation: anthropicConversation(request),
    maxTokens: request.max_tokens,
    // A final assistant turn is always a prefill on the Messages API.
    continueFinal: true,
    signal,
  });
  if (admission.kind !== 'ready') {
    const failure = admissionFailure(admission, engine);
    return failure === undefined ? silent(c) : sendError(c, anthropicError(failure));
  }
  const { active } = admission;
  if (request.stream === true) return streamMessage(engine, active, cancel);
  if (!(await active.pace.whole())) {
    active.abort();
    return silent(c);
  }
  active.complete();
  return c.json(messageBody(engine, active));
}

export function registerAnthropicRoutes(app: Hono<SimEnv>, engine: SimEngine): void {
  app.post('/v1/messages', (c) => messages(c, engine));
}
