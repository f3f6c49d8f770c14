import { createHash } from 'node:crypto';

import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';

import type { ChatMessage, ToolDefinition, Tokenizer, TokenizerEncoding } from './types.js';

const RANKS = { o200k_base: o200kBase, cl100k_base: cl100kBase } as const;

// Building an encoder parses megabytes of ranks; it is immutable, so one per encoding is shared.
const encoders = new Map<TokenizerEncoding, Tiktoken>();

function encoderFor(encoding: TokenizerEncoding): Tiktoken {
  let encoder = encoders.get(encoding);
  if (!encoder) {
    encoder = new Tiktoken(RANKS[encoding]);
    encoders.set(encoding, encoder);
  }
  return encoder;
}

// Agents resend the same texts every turn, often as fresh strings (read back from the store, rebuilt by a
// memory manager), so counts are also remembered by content: hashing a text costs microseconds, BPE-encoding
// it a hundred times more. Short texts are cheap to encode and skip the cache. Bounded, least recently used.
const CACHED_MIN_LENGTH = 256;
const COUNT_CACHE_ENTRIES = 50_000;
const countCaches = new Map<TokenizerEncoding, Map<string, number>>();

function countWithCache(encoding: TokenizerEncoding, text: string): number {
  if (text.length < CACHED_MIN_LENGTH)
    return text.length === 0 ? 0 : encoderFor(encoding).encode(text, 'all').length;
  let cache = countCaches.get(encoding);
  if (!cache) countCaches.set(encoding, (cache = new Map()));
  const key = createHash('sha1').update(text).digest('base64');
  const cached = cache.get(key);
  if (cached !== undefined) {
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const count = encoderFor(encoding).encode(text, 'all').length;
  cache.set(key, count);
  if (cache.size > COUNT_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return count;
}

export function createTokenizer(encoding: TokenizerEncoding, exact: boolean): Tokenizer {
  return {
    encoding,
    exact,
    count: (text) => countWithCache(encoding, text),
    encode: (text) => encoderFor(encoding).encode(text, 'all'),
    decode: (tokens) => encoderFor(encoding).decode(tokens),
  };
}

const O200K_MODELS = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss)/;
const CL100K_MODELS = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/;
// Llama 3's vocabulary extends cl100k_base, so cl100k is the closer stand-in (measured: bench/tokenizer.bench.ts).
const LLAMA3_MODELS = /llama-?3/i;

/**
 * The tokenizer for a model. OpenAI models get their own encoding (exact). Every other model family
 * (Claude, Llama, Mistral, Qwen, ...) ships a tokenizer js-tiktoken does not have, so Hydra counts with the
 * closest encoding it has (cl100k_base for Llama 3, o200k_base otherwise) and marks the count inexact;
 * docs/models.md gives the measured error.
 */
export function tokenizerForModel(provider: string, model: string): Tokenizer {
  if (provider === 'openai') {
    if (O200K_MODELS.test(model)) return createTokenizer('o200k_base', true);
    if (CL100K_MODELS.test(model)) return createTokenizer('cl100k_base', true);
  }
  if (LLAMA3_MODELS.test(model)) return createTokenizer('cl100k_base', false);
  return createTokenizer('o200k_base', false);
}

// OpenAI's published accounting for chat prompts: every message costs 3 tokens of framing, a name 1 more,
// and every reply is primed with 3 tokens.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;

// Agents resend the same message objects every turn while their context grows; remembering each message's
// count makes counting a turn cost only its new messages (weakly held, so finished conversations are freed).
const messageCounts = new WeakMap<Tokenizer, WeakMap<ChatMessage, number>>();

function messageTokens(tokenizer: Tokenizer, message: ChatMessage): number {
  let cache = messageCounts.get(tokenizer);
  if (!cache) {
    cache = new WeakMap();
    messageCounts.set(tokenizer, cache);
  }
  const cached = cache.get(message);
  if (cached !== undefined) return cached;
  let total = TOKENS_PER_MESSAGE + tokenizer.count(message.role) + tokenizer.count(message.content);
  if (message.role === 'assistant' && message.toolCalls) {
    for (const call of message.toolCalls) {
      total +=
        tokenizer.count(call.name) + tokenizer.count(JSON.stringify(call.arguments)) + TOKENS_PER_MESSAGE;
    }
  }
  if (message.role === 'tool' && message.name) total += TOKENS_PER_NAME + tokenizer.count(message.name);
  cache.set(message, total);
  return total;
}

/**
 * Prompt tokens of a chat request: message framing, contents, tool calls and tool definitions.
 * Messages are treated as immutable: a message object's count is computed once.
 */
export function countChatTokens(
  tokenizer: Tokenizer,
  messages: ChatMessage[],
  tools: ToolDefinition[] = [],
): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) total += messageTokens(tokenizer, message);
  for (const tool of tools) total += toolTokens(tokenizer, tool);
  return total;
}

const toolCounts = new WeakMap<Tokenizer, WeakMap<ToolDefinition, number>>();

function toolTokens(tokenizer: Tokenizer, tool: ToolDefinition): number {
  let cache = toolCounts.get(tokenizer);
  if (!cache) {
    cache = new WeakMap();
    toolCounts.set(tokenizer, cache);
  }
  let count = cache.get(tool);
  if (count === undefined) {
    count = tokenizer.count(JSON.stringify(tool));
    cache.set(tool, count);
  }
  return count;
}
