/**
 * The provider-neutral chat vocabulary every Hydra subsystem speaks. Providers translate it to and from
 * their wire formats; nothing above `src/models` sees an SDK type.
 */

/** A tool invocation requested by the model, with its arguments already parsed from JSON. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface SystemMessage {
  role: 'system';
  content: string;
}
export interface UserMessage {
  role: 'user';
  content: string;
}
export interface AssistantMessage {
  role: 'assistant';
  content: string;
  toolCalls?: ToolCall[];
}
export interface ToolResultMessage {
  role: 'tool';
  toolCallId: string;
  /** The tool's name; Anthropic-style APIs do not need it, but it keeps transcripts readable. */
  name?: string;
  content: string;
  /** True when the content describes a failure the model should see and correct. */
  isError?: boolean;
}
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolResultMessage;
export type ChatRole = ChatMessage['role'];

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export interface ChatRequest {
  /**
   * The conversation. When the last message is an assistant message and the provider `supportsPrefill`,
   * the model continues that message and the response holds only the continuation.
   */
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** Upper bound on generated tokens. Admission control adds it to the prompt to check the window. */
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

export interface ChatResponse {
  message: AssistantMessage;
  finishReason: FinishReason;
  usage: TokenUsage;
  /** The model id the provider reports having used. */
  model: string;
}

/**
 * Events of a streamed generation, in order: any number of text and tool-call deltas, one `tool-call`
 * per completed call, then exactly one `finish` carrying the assembled response.
 */
export type StreamEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'tool-call'; toolCall: ToolCall }
  | { type: 'finish'; response: ChatResponse };

export interface EmbedResponse {
  embeddings: number[][];
  usage: { promptTokens: number };
  model: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per-call timeout; a timed-out call fails with a retryable `provider_timeout`. */
  timeoutMs?: number;
}

/** Counts tokens the way a model does. `exact` is false where the model's own tokenizer is unavailable. */
export interface Tokenizer {
  readonly encoding: TokenizerEncoding;
  readonly exact: boolean;
  count(text: string): number;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}
export type TokenizerEncoding = 'o200k_base' | 'cl100k_base';

/**
 * One chat model behind one endpoint. Implementations own their HTTP clients; callers only see this.
 * Errors are always `HydraError`s: `ProviderError` subclasses for the provider's failures and
 * `AbortedError` when the caller's signal fires.
 */
export interface ModelProvider {
  /** Canonical model id, e.g. `openai:gpt-4o-mini` or `openai-compatible:http://host/v1#llama`. */
  readonly id: string;
  /** Provider kind, e.g. `openai`, `anthropic`, `ollama`. */
  readonly provider: string;
  /** The model name sent to the endpoint. */
  readonly model: string;
  /** Maximum prompt + completion tokens the model accepts. */
  readonly contextWindow: number;
  readonly tokenizer: Tokenizer;
  /** Whether the model can continue a trailing assistant message (needed to resume a preempted generation). */
  readonly supportsPrefill: boolean;
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResponse>;
  stream(request: ChatRequest, options?: CallOptions): AsyncIterable<StreamEvent>;
  embed(input: string[], options?: CallOptions): Promise<EmbedResponse>;
  /** Prompt tokens this request would use (messages, tool definitions and per-message overhead). */
  countTokens(request: Pick<ChatRequest, 'messages' | 'tools'>): number;
}
