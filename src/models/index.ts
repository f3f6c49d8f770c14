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
