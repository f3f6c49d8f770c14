/**
 * OpenAI-compatible endpoints: chat completions (plain and SSE streaming), embeddings and models.
 */
import type { Hono } from 'hono';

import { embedText, toBase64Float32 } from './embeddings.js';
import type { ActiveGeneration, SimEngine } from './engine.js';
import { openAiError } from './errors.js';
import type { SimContext, SimEnv } from './http.js';
import {
  admissionFailure,
  nowSeconds,
  readBody,
  requestSignal,
  sendError,
  silent,
  sseResponse,
} from './http.js';
import {
  chatCompletionRequestSchema,
  embeddingRequestSchema,
  openAiConversation,
  requestedMaxTokens,
} from './wire-openai.js';

const FINGERPRINT = 'fp_hydra_sim';

function toolCallId(idHash: string): string {
  return `call_${idHash.slice(0, 24)}`;
}

function usage(active: ActiveGeneration): Record<string, number> {
  const completion = active.generation.completionTokens;
  return {
    prompt_tokens: active.promptTokens,
    completion_tokens: completion,
    total_tokens: active.promptTokens + completion,
  };
}

function completionBody(
  engine: SimEngine,
  active: ActiveGeneration,
  created: number,
): Record<string, unknown> {
  const { generation } = active;
  const toolCalls = generation.toolCalls.map((call) => ({
    id: toolCallId(call.idHash),
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  return {
    id: `chatcmpl-${active.idHash.slice(0, 24)}`,
    object: 'chat.completion',
    created,
    model: engine.options.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // OpenAI sends null content when the turn is only tool calls.
          content: toolCalls.length > 0 && generation.text === '' ? null : generation.text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: generation.finish,
      },
    ],
    usage: usage(active),
    system_fingerprint: FINGERPRINT,
  };
}

function streamCompletion(
  engine: SimEngine,
  active: ActiveGeneration,
  cancel: AbortController,
  includeUsage: boolean,
): Response {
  const { generation, pace } = active;
  const base = {
    id: `chatcmpl-${active.idHash.slice(0, 24)}`,
    object: 'chat.completion.chunk',
    created: nowSeconds(),
    model: engine.options.model,
    system_fingerprint: FINGERPRINT,
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    JSON.stringify({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      // With include_usage, OpenAI sends `usage: null` on every chunk and the totals on an extra last one.
      ...(includeUsage ? { usage: null } : {}),
    });

  return sseResponse(cancel, async (sink) => {
    let done = false;
    try {
      if (!(await pace.prefill())) return;
      sink.send(chunk({ role: 'assistant', content: '', refusal: null }));
      for (const piece of generation.textPieces) {
        if (!(await pace.piece())) return;
        sink.send(chunk({ content: piece.text }));
      }
      for (const [index, call] of generation.toolCalls.entries()) {
        sink.send(
          chunk({
            tool_calls: [
              {
                index,
                id: toolCallId(call.idHash),
                type: 'function',
                function: { name: call.name, arguments: '' },
              },
            ],
          }),
        );
        for (const piece of call.pieces) {
          if (!(await pace.piece())) return;
          sink.send(chunk({ tool_calls: [{ index, function: { arguments: piece.text } }] }));
        }
      }
      if (!(await pace.tail())) return;
      sink.send(chunk({}, generation.finish));
      if (includeUsage) sink.send(JSON.stringify({ ...base, choices: [], usage: usage(active) }));
      sink.send('[DONE]');
      done = true;
    } finally {
      if (done) active.complete();
      else active.abort();
    }
  });
}

async function chatCompletions(c: SimContext, engine: SimEngine): Promise<Response> {
  const parsed = await readBody(c, chatCompletionRequestSchema);
  if (!parsed.ok) return sendError(c, openAiError(parsed.failure));
  const request = parsed.data;
  const { signal, cancel } = requestSignal(c, engine);
  const admission = await engine.admit({
    conversation: openAiConversation(request),
    maxTokens: requestedMaxTokens(request),
    // vLLM's extension: continue the final assistant message instead of starting a new one.
    continueFinal: request.continue_final_message === true,
    signal,
  });
  if (admission.kind !== 'ready') {
    const failure = admissionFailure(admission, engine);
    return failure === undefined ? silent(c) : sendError(c, openAiError(failure));
  }
  const { active } = admission;
  if (request.stream === true) {
    return streamCompletion(engine, active, cancel, request.stream_options?.include_usage === true);
  }
  if (!(await active.pace.whole())) {
    active.abort();
    return silent(c);
  }
  active.complete();
  return c.json(completionBody(engine, active, nowSeconds()));
}

async function embeddings(c: SimContext, engine: SimEngine): Promise<Response> {
  const parsed = await readBody(c, embeddingRequestSchema);
  if (!parsed.ok) return sendError(c, openAiError(parsed.failure));
  const request = parsed.data;
  const inputs = typeof request.input === 'string' ? [request.input] : request.input;
  const dimensions = request.dimensions ?? engine.options.embeddingDimensions;
  const base64 = request.encoding_format === 'base64';
  let promptTokens = 0;
  const data = inputs.map((text, index) => {
    promptTokens += engine.tokenizer.count(text);
    const vector = embedText(engine.options.seed, text, dimensions);
    return { object: 'embedding', index, embedding: base64 ? toBase64Float32(vector) : vector };
  });
  engine.stats.embedded(inputs.length);
  return c.json({
    object: 'list',
    data,
    model: engine.options.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

function modelCard(engine: SimEngine, created: number): Record<string, unknown> {
  const { model, contextWindow } = engine.options;
  // vLLM reports the window as max_model_len; context_window is the name other gateways use.
  return {
    id: model,
    object: 'model',
    created,
    owned_by: 'hydra-sim',
    max_model_len: contextWindow,
    context_window: contextWindow,
  };
}

export function registerOpenAiRoutes(app: Hono<SimEnv>, engine: SimEngine, startedAt: () => number): void {
  app.post('/v1/chat/completions', (c) => chatCompletions(c, engine));
  app.post('/v1/embeddings', (c) => embeddings(c, engine));
  app.get('/v1/models', (c) => c.json({ object: 'list', data: [modelCard(engine, startedAt())] }));
  app.get('/v1/models/:id{.+}', (c) => {
    const id = c.req.param('id');
    if (id === engine.options.model) return c.json(modelCard(engine, startedAt()));
    return sendError(c, openAiError({ kind: 'not_found', message: `The model '${id}' does not exist` }));
  });
}
