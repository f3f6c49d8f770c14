/**
 * Models: the `ModelProvider` seam, provider implementations and token counting.
 * Any export added here becomes public API.
 * @module
 */
export type {
  AssistantMessage,
  CallOptions,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatRole,
  EmbedResponse,
  FinishReason,
  ModelProvider,
  StreamEvent,
  SystemMessage,
  TokenUsage,
  Tokenizer,
  TokenizerEncoding,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  ToolResultMessage,
  UserMessage,
} from './types.js';
export { countChatTokens, createTokenizer, tokenizerForModel } from './tokenizer.js';
export {
  DEFAULT_BASE_URLS,
  PROVIDER_KINDS,
  formatModelId,
  parseModelId,
  type ModelRef,
  type ProviderKind,
} from './model-id.js';
export { DEFAULT_CONTEXT_WINDOW, knownContextWindow } from './context-windows.js';
export { createModelProvider, type CreateProviderOptions, type ProviderSettings } from './create-provider.js';
export { OpenAIProvider, type OpenAIProviderOptions } from './openai-provider.js';
export { AnthropicProvider, type AnthropicProviderOptions } from './anthropic-provider.js';
