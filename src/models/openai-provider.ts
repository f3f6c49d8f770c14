import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';

import type { HydraError } from '../errors/index.js';
import { abortedFailure, parseToolArguments } from './provider-errors.js';
import { mapSdkError, sdkRequestOptions, usageOf } from './provider-shared.js';
import { countChatTokens } from './tokenizer.js';
import type {
  CallOptions,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  EmbedResponse,
  FinishReason,
  ModelProvider,
  StreamEvent,
  ToolCall,
  ToolChoice,
  Tokenizer,
} from './types.js';

export interface OpenAIProviderOptions {
  id: string;
  provider: string;
  model: string;
  contextWindow: number;
  tokenizer: Tokenizer;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  /** Retries done inside the SDK (429/5xx/timeouts, honouring Retry-After). The kernel sets 0 and retries itself. */
  maxRetries?: number | undefined;
  timeoutMs?: number | undefined;
  embeddingModel?: string | undefined;
  /** OpenAI's own API wants `max_completion_tokens`; local servers still expect `max_tokens`. */
  useMaxCompletionTokens?: boolean | undefined;
  /** The server understands vLLM's `continue_final_message` and continues a trailing assistant message. */
  supportsPrefill?: boolean | undefined;
}

/** A `ModelProvider` for OpenAI and every server that speaks its chat-completions API. */
export class OpenAIProvider implements ModelProvider {
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  readonly contextWindow: number;
  readonly tokenizer: Tokenizer;
  readonly supportsPrefill: boolean;
  readonly #client: OpenAI;
  readonly #options: OpenAIProviderOptions;

  constructor(options: OpenAIProviderOptions) {
    this.id = options.id;
    this.provider = options.provider;
    this.model = options.model;
    this.contextWindow = options.contextWindow;
    this.tokenizer = options.tokenizer;
    this.supportsPrefill = options.supportsPrefill ?? false;
    this.#options = options;
    this.#client = new OpenAI({
      // Local servers ignore the key, but the SDK insists on one.
      apiKey: options.apiKey ?? 'not-needed',
      baseURL: options.baseUrl ?? null,
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? 600_000,
    });
  }

  countTokens(request: Pick<ChatRequest, 'messages' | 'tools'>): number {
    return countChatTokens(this.tokenizer, request.messages, request.tools);
  }

  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    try {
      const completion = await this.#client.chat.completions.create(
        { ...this.#params(request), stream: false },
        sdkRequestOptions(options),
      );
      const choice = completion.choices[0];
      const wire = choice?.message;
      const toolCalls = (wire?.tool_calls ?? []).flatMap((call) =>
        call.type === 'function'
          ? [
              {
                id: call.id,
                name: call.function.name,
                arguments: parseToolArguments(this.id, call.function.name, call.function.arguments),
              },
            ]
          : [],
      );
      const content = wire?.content ?? '';
      return {
        message: { role: 'assistant', content, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
        finishReason: finishReasonOf(choice?.finish_reason),
        usage: completion.usage
          ? usageOf(completion.usage.prompt_tokens, completion.usage.completion_tokens)
          : this.#estimateUsage(request, content, toolCalls),
        model: completion.model,
      };
    } catch (error) {
      throw this.#mapError(error, options);
    }
  }

  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<StreamEvent> {
    let text = '';
    let finish: FinishReason = 'stop';
    let usage: ChatResponse['usage'] | undefined;
    let model = this.model;
    const pending = new Map<number, { id: string; name: string; arguments: string }>();
    try {
      const stream = await this.#client.chat.completions.create(
        { ...this.#params(request), stream: true, stream_options: { include_usage: true } },
        sdkRequestOptions(options),
      );
      for await (const chunk of stream) {
        model = chunk.model || model;
        if (chunk.usage) usage = usageOf(chunk.usage.prompt_tokens, chunk.usage.completion_tokens);
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta.content) {
          text += choice.delta.content;
          yield { type: 'text-delta', text: choice.delta.content };
        }
        for (const event of accumulateToolCalls(pending, choice.delta.tool_calls)) yield event;
        if (choice.finish_reason) finish = finishReasonOf(choice.finish_reason);
      }
      // The SDK ends the iteration quietly when the signal fires; a cut-off stream must not look complete.
      if (options.signal?.aborted) throw abortedFailure(this.id, options.signal.reason);
      const toolCalls: ToolCall[] = [...pending.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, call]) => ({
          id: call.id,
          name: call.name,
          arguments: parseToolArguments(this.id, call.name, call.arguments),
        }));
      for (const toolCall of toolCalls) yield { type: 'tool-call', toolCall };
      yield {
        type: 'finish',
        response: {
          message: { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
          finishReason: finish,
          usage: usage ?? this.#estimateUsage(request, text, toolCalls),
          model,
        },
      };
    } catch (error) {
      throw this.#mapError(error, options);
    }
  }

  async embed(input: string[], options: CallOptions = {}): Promise<EmbedResponse> {
    const model =
      this.#options.embeddingModel ?? (this.provider === 'openai' ? 'text-embedding-3-small' : this.model);
    try {
      const response = await this.#client.embeddings.create(
        { model, input, encoding_format: 'float' },
        sdkRequestOptions(options),
      );
      const embeddings = [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
      return {
        embeddings,
        usage: { promptTokens: response.usage?.prompt_tokens ?? 0 },
        model: response.model || model,
      };
    } catch (error) {
      throw this.#mapError(error, options);
    }
  }

  #params(request: ChatRequest): ChatCompletionCreateParamsBase {
    const params: ChatCompletionCreateParamsBase = {
      model: this.model,
      messages: request.messages.map(toWireMessage),
    };
    if (request.tools && request.tools.length > 0) {
      params.tools = request.tools.map((tool): ChatCompletionTool => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      }));
      if (request.toolChoice) params.tool_choice = toWireToolChoice(request.toolChoice);
    }
    if (request.maxTokens !== undefined) {
      if (this.#options.useMaxCompletionTokens) params.max_completion_tokens = request.maxTokens;
      else params.max_tokens = request.maxTokens;
    }
    if (request.temperature !== undefined) params.temperature = request.temperature;
    if (request.stop && request.stop.length > 0) params.stop = request.stop;
    if (this.supportsPrefill && request.messages.at(-1)?.role === 'assistant') {
      // vLLM's extension (also honoured by Hydra's simulator): continue the final message instead of answering it.
      Object.assign(params, { continue_final_message: true, add_generation_prompt: false });
    }
    return params;
  }

  #estimateUsage(request: ChatRequest, text: string, toolCalls: ToolCall[]): ChatResponse['usage'] {
    const completion =
      this.tokenizer.count(text) +
      toolCalls.reduce((sum, call) => sum + this.tokenizer.count(JSON.stringify(call.arguments)), 0);
    return usageOf(this.countTokens(request), completion);
  }

  #mapError(error: unknown, options: CallOptions): HydraError {
    return mapSdkError<APIError>(error, options, {
      providerId: this.id,
      baseUrl: this.#options.baseUrl,
      timeoutMs: this.#options.timeoutMs,
      classes: {
        userAbort: APIUserAbortError,
        connectionTimeout: APIConnectionTimeoutError,
        connection: APIConnectionError,
        api: APIError,
      },
      describe: (apiError) => ({
        status: apiError.status,
        message: wireErrorMessage(apiError),
        code: typeof apiError.code === 'string' ? apiError.code : undefined,
        retryAfter: apiError.headers?.get('retry-after'),
        retryAfterMs: apiError.headers?.get('retry-after-ms'),
      }),
    });
  }
}

function accumulateToolCalls(
  pending: Map<number, { id: string; name: string; arguments: string }>,
  deltas: ChatCompletionChunk.Choice.Delta.ToolCall[] | undefined,
): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const delta of deltas ?? []) {
    let call = pending.get(delta.index);
    if (!call) {
      call = { id: delta.id ?? `call_${delta.index}`, name: delta.function?.name ?? '', arguments: '' };
      pending.set(delta.index, call);
      events.push({ type: 'tool-call-start', index: delta.index, id: call.id, name: call.name });
    } else if (delta.function?.name) {
      call.name += delta.function.name;
    }
    const argumentsDelta = delta.function?.arguments;
    if (argumentsDelta) {
      call.arguments += argumentsDelta;
      events.push({ type: 'tool-call-delta', index: delta.index, argumentsDelta });
    }
  }
  return events;
}

function toWireMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
    case 'assistant':
      return message.toolCalls && message.toolCalls.length > 0
        ? {
            role: 'assistant',
            content: message.content === '' ? null : message.content,
            tool_calls: message.toolCalls.map((call) => ({
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: JSON.stringify(call.arguments) },
            })),
          }
        : { role: 'assistant', content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function toWireToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function finishReasonOf(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return reason;
    case 'function_call':
      return 'tool_calls';
    case null:
    case undefined:
      return 'stop';
    default:
      return 'other';
  }
}

function wireErrorMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : error.message;
}
