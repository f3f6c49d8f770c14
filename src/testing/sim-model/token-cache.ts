/**
 * Prompt-token counting that stays cheap when many agents resend growing conversations. The count of
 * every distinct text (message contents, roles, tool-call arguments, tool definitions) is remembered in a
 * bounded LRU map, so a request only tokenizes the texts the server has not seen recently: usually just
 * the newest message.
 *
 * Counting itself is still Hydra's `countChatTokens`, handed a tokenizer whose `count` is memoized, so
 * the result is the same as uncached counting by construction. The key is the text alone: a text's
 * token count does not depend on the role it appears under (framing and role tokens are added by
 * `countChatTokens`), and keying on the string the request already holds allocates nothing.
 */
import { countChatTokens } from '../../models/tokenizer.js';
import type { Tokenizer } from '../../models/types.js';
import type { Conversation } from './conversation.js';
import type { TokenCountCacheGauges } from './stats.js';

export class TokenCountCache {
  /** Insertion order is recency order: a hit is moved to the end, and the first key is evicted. */
  private readonly counts = new Map<string, number>();
  /** The base tokenizer with `count` served from the cache. */
  readonly tokenizer: Tokenizer;
  hits = 0;
  misses = 0;

  constructor(
    private readonly base: Tokenizer,
    readonly capacity: number,
  ) {
    this.tokenizer = {
      encoding: base.encoding,
      exact: base.exact,
      count: (text) => this.count(text),
      encode: (text) => base.encode(text),
      decode: (tokens) => base.decode(tokens),
    };
  }

  get size(): number {
    return this.counts.size;
  }

  gauges(): TokenCountCacheGauges {
    return { entries: this.counts.size, hits: this.hits, misses: this.misses };
  }

  /** Zeroes the hit and miss counters; the cached counts stay. */
  resetCounters(): void {
    this.hits = 0;
    this.misses = 0;
  }

  count(text: string): number {
    if (text.length === 0) return 0;
    const cached = this.counts.get(text);
    if (cached !== undefined) {
      this.hits += 1;
      this.counts.delete(text);
      this.counts.set(text, cached);
      return cached;
    }
    this.misses += 1;
    const tokens = this.base.count(text);
    if (this.capacity === 0) return tokens;
    this.counts.set(text, tokens);
    if (this.counts.size > this.capacity) {
      const oldest = this.counts.keys().next();
      if (oldest.done !== true) this.counts.delete(oldest.value);
    }
    return tokens;
  }

  /** Prompt tokens of a request, counted as Hydra's admission control counts them. */
  promptTokens(conversation: Conversation): number {
    return countChatTokens(this.tokenizer, conversation.messages, conversation.tools);
  }
}
