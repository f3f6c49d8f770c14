import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParamsBase,
  MessageParam,
  StopReason,
  Tool,
  ToolChoice as WireToolChoice,
} from '@anthropic-ai/sdk/resources/messages/messages';

import { ConfigError, type HydraError } from '../errors/index.js';
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

export interface AnthropicProviderOptions {
  id: string;
  model: string;
  contextWindow: number;
  tokenizer: Tokenizer;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  maxRetries?: number | undefined;
  timeoutMs?: number | undefined;
  /** The Messages API requires `max_tokens`; this is used when a request does not set one. */
  defaultMaxTokens?: number | undefined;
  /** Anthropic continues a trailing assistant message natively; off only for look-alike servers that do not. */
  supportsPrefill?: boolean | undefined;
}

/** A `ModelProvider` for Anthropic's Messages API, through the official SDK. */
export class AnthropicProvider implements ModelProvider {
  readonly id: string;
  readonly provider = 'anthropic';
  readonly model: string;
  readonly contextWindow: number;
  readonly tokenizer: Tokenizer;
  readonly supportsPrefill: boolean;
  readonly #client: Anthropic;
  readonly #options: AnthropicProviderOptions;

  constructor(options: AnthropicProviderOptions) {
    this.id = options.id;
    this.model = options.model;
    this.contextWindow = options.contextWindow;
    this.tokenizer = options.tokenizer;
    this.supportsPrefill = options.supportsPrefill ?? true;
    this.#options = options;
    this.#client = new Anthropic({
      apiKey: options.apiKey ?? null,
      // The SDK wants the root URL, without the `/v1` that OpenAI-style base URLs carry.
      ...(options.baseUrl ? { baseURL: options.baseUrl.replace(/\/v1\/?$/, '') } : {}),
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? 600_000,
    });
  }

  countTokens(request: Pick<ChatRequest, 'messages' | 'tools'>): number {
    return countChatTokens(this.tokenizer, request.messages, request.tools);
  }

  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    try {
      const message = await this.#client.messages.create(
        { ...this.#params(request), stream: false },
        sdkRequestOptions(options),
      );
      let content = '';
      const toolCalls: ToolCall[] = [];
      for (const block of message.content) {
        if (block.type === 'text') content += block.text;
        else if (block.type === 'tool_use')
          toolCalls.push({
            id: block.id,
            name: block.name,
            arguments: asObject(this.id, block.name, block.input),
          });
      }
      return {
        message: { role: 'assistant', content, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
        finishReason: finishReasonOf(message.stop_reason),
        usage: usageOf(message.usage.input_tokens, message.usage.output_tokens),
        model: message.model,
      };
    } catch (error) {
      throw this.#mapError(error, options);
    }
  }

  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<StreamEvent> {
    let text = '';
    let finish: FinishReason = 'stop';
    let promptTokens = 0;
    let completionTokens = 0;
    let model = this.model;
    const blocks = new Map<number, { id: string; name: string; json: string }>();
    try {
      const stream = await this.#client.messages.create(
        { ...this.#params(request), stream: true },
        sdkRequestOptions(options),
      );
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start':
            model = event.message.model;
            promptTokens = event.message.usage.input_tokens;
            break;
          case 'content_block_start':
            if (event.content_block.type === 'tool_use') {
              blocks.set(event.index, {
                id: event.content_block.id,
                name: event.content_block.name,
                json: '',
              });
              yield {
                type: 'tool-call-start',
                index: event.index,
                id: event.content_block.id,
                name: event.content_block.name,
              };
            }
            break;
          case 'content_block_delta':
            if (event.delta.type === 'text_delta') {
              text += event.delta.text;
              yield { type: 'text-delta', text: event.delta.text };
            } else if (event.delta.type === 'input_json_delta') {
              const block = blocks.get(event.index);
              if (block) block.json += event.delta.partial_json;
              yield { type: 'tool-call-delta', index: event.index, argumentsDelta: event.delta.partial_json };
            }
            break;
          case 'message_delta':
            finish = finishReasonOf(event.delta.stop_reason);
            completionTokens = event.usage.output_tokens;
            break;
          default:
            break;
        }
      }
      // The SDK ends the iteration quietly when the signal fires; a cut-off stream must not look complete.
      if (options.signal?.aborted) throw abortedFailure(this.id, options.signal.reason);
      const toolCalls = [...blocks.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, block]) => ({
          id: block.id,
          name: block.name,
          arguments: parseToolArguments(this.id, block.name, block.json),
        }));
      for (const toolCall of toolCalls) yield { type: 'tool-call', toolCall };
      yield {
        type: 'finish',
        response: {
          message: { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
          finishReason: finish,
          usage: usageOf(promptTokens, completionTokens),
          model,
        },
      };
    } catch (error) {
      throw this.#mapError(error, options);
    }
  }

  embed(_input: string[], _options?: CallOptions): Promise<EmbedResponse> {
    return Promise.reject(
      new ConfigError(
        `${this.id} cannot embed: Anthropic has no embeddings API. Configure an embedding model from another provider.`,
        {
          data: { field: 'embeddingModel' },
        },
      ),
    );
  }

  #params(request: ChatRequest): MessageCreateParamsBase {
    const system = request.messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n\n');
    const params: MessageCreateParamsBase = {
      model: this.model,
      max_tokens: request.maxTokens ?? this.#options.defaultMaxTokens ?? 4096,
      messages: toWireMessages(request.messages),
    };
    if (system !== '') params.system = system;
    if (request.tools && request.tools.length > 0) {
      params.tools = request.tools.map((tool): Tool => ({
        name: tool.name,
        description: tool.description,
        input_schema: tool.parameters as Tool['input_schema'],
      }));
      if (request.toolChoice) params.tool_choice = toWireToolChoice(request.toolChoice);
    }
    // The current Messages API has no sampling temperature, so `request.temperature` is not sent.
    if (request.stop && request.stop.length > 0) params.stop_sequences = request.stop;
    return params;
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
        message: apiError.apiMessage ?? apiError.message,
        code: apiError.type ?? undefined,
        retryAfter: apiError.headers?.get('retry-after'),
        retryAfterMs: apiError.headers?.get('retry-after-ms'),
      }),
    });
  }
}

/**
 * Anthropic wants strictly alternating user/assistant turns with tool results as user content blocks,
 * so consecutive tool results (and a following user message) merge into one user turn.
 */
function toWireMessages(messages: ChatMessage[]): MessageParam[] {
  const wire: MessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]): void => {
    const last = wire[wire.length - 1];
    if (last && last.role === role && Array.isArray(last.content)) last.content.push(...blocks);
    else wire.push({ role, content: blocks });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        break;
      case 'user':
        push('user', [{ type: 'text', text: message.content }]);
        break;
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: message.toolCallId,
            content: message.content,
            ...(message.isError ? { is_error: true } : {}),
          },
        ]);
        break;
      case 'assistant': {
        const blocks: ContentBlockParam[] =
          message.content === '' ? [] : [{ type: 'text', text: message.content }];
        for (const call of message.toolCalls ?? [])
          blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments });
        if (blocks.length > 0) push('assistant', blocks);
        break;
      }
    }
  }
  return wire;
}

function toWireToolChoice(choice: ToolChoice): WireToolChoice {
  if (typeof choice === 'object') return { type: 'tool', name: choice.name };
  if (choice === 'required') return { type: 'any' };
  return { type: choice };
}

function finishReasonOf(reason: StopReason | null): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case null:
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

function asObject(providerId: string, toolName: string, input: unknown): Record<string, unknown> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input))
    return input as Record<string, unknown>;
  return parseToolArguments(providerId, toolName, typeof input === 'string' ? input : JSON.stringify(input));
}
