/**
 * The dialect-neutral core: admission (context window, overflow, faults, rules, slots) and the state
 * shared by both wire formats. Dialect modules parse the wire request into a Conversation, ask the engine
 * to admit it, and render the outcome in their own response and error shapes.
 */
import { createTokenizer } from '../../models/tokenizer.js';
import type { Tokenizer } from '../../models/types.js';
import type { Conversation } from './conversation.js';
import { conversationKey, splitPrefill } from './conversation.js';
import type { Generation } from './generation.js';
import { buildGeneration } from './generation.js';
import type { FaultKind, ResolvedSimModelOptions } from './options.js';
import { GenerationPacer, sleep, untilAborted } from './pacing.js';
import { hashHex, hashSeed, mulberry32 } from './random.js';
import { fillerReplyTokens } from './reply-length.js';
import { RuleBook } from './rules.js';
import { SlotPool } from './slots.js';
import type { SimModelStats } from './stats.js';
import { StatsRecorder } from './stats.js';
import { TokenCountCache } from './token-cache.js';

export interface GenerationRequest {
  conversation: Conversation;
  /** max_tokens / max_completion_tokens as requested, if any. */
  maxTokens: number | undefined;
  /**
   * A final assistant message is a prefill to continue (Anthropic always; OpenAI with
   * `continue_final_message`), rather than history.
   */
  continueFinal: boolean;
  /** Aborts when the client disconnects or the server stops. */
  signal: AbortSignal;
}

/** A generation that holds a slot; exactly one of `complete` or `abort` must be called. */
export interface ActiveGeneration {
  /** Hex digest the dialect turns into its response id. */
  idHash: string;
  promptTokens: number;
  generation: Generation;
  /** Prefill and decode delays, with the batch slowdown applied. */
  pace: GenerationPacer;
  complete(): void;
  abort(): void;
}

export type Admission =
  | { kind: 'context_exceeded'; promptTokens: number; requestedTokens: number; contextWindow: number }
  | { kind: 'fault'; fault: '429' | '500' }
  | { kind: 'rejected' }
  | { kind: 'aborted' }
  | { kind: 'hang_timeout' }
  | { kind: 'ready'; active: ActiveGeneration };

// Drawn for every admitted generation request in this order, whether or not each rate is zero, so the
// sequence of outcomes depends only on the seed and the number of requests before.
const RATE_ORDER = ['429', '500', 'hang', 'malformedToolJson'] as const;

export class SimEngine {
  readonly tokenizer: Tokenizer;
  /** Prompt-token counts of texts seen recently. */
  readonly tokenCounts: TokenCountCache;
  readonly stats = new StatsRecorder();
  private readonly slots: SlotPool;
  private readonly rules: RuleBook;
  private faultRandom: () => number;
  private arrivals = 0;
  private stopController = new AbortController();

  constructor(readonly options: ResolvedSimModelOptions) {
    this.tokenizer = createTokenizer(options.encoding, false);
    this.tokenCounts = new TokenCountCache(this.tokenizer, options.tokenCountCacheEntries);
    this.slots = new SlotPool(options.slots, options.overflow);
    this.rules = new RuleBook(options.rules, options.seed);
    this.faultRandom = mulberry32(hashSeed('faults', options.seed));
  }

  /** Fires for every in-flight request when the server stops. */
  get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /** Aborts everything in flight; later requests (after a restart) get a fresh signal. */
  stopAll(): void {
    this.stopController.abort();
    this.stopController = new AbortController();
  }

  snapshot(): SimModelStats {
    return this.stats.snapshot(this.slots.gauges(), this.tokenCounts.gauges());
  }

  resetStats(): void {
    this.stats.reset();
    this.slots.resetCounters();
    this.tokenCounts.resetCounters();
  }

  /** Rewinds rule budgets and the fault sequence, as if the server had just started. */
  rewind(): void {
    this.rules.rewind();
    this.faultRandom = mulberry32(hashSeed('faults', this.options.seed));
    this.arrivals = 0;
  }

  private drawFaults(): Set<FaultKind> {
    const { faults } = this.options;
    const rates: Record<FaultKind, number> = {
      '429': faults.rate429,
      '500': faults.rate500,
      hang: faults.rateHang,
      malformedToolJson: faults.rateMalformedToolJson,
    };
    const drawn = new Set<FaultKind>();
    for (const kind of RATE_ORDER) if (this.faultRandom() < rates[kind]) drawn.add(kind);
    return drawn;
  }

  async admit(request: GenerationRequest): Promise<Admission> {
    const { conversation, maxTokens, signal } = request;
    const { options, tokenizer } = this;
    // The prompt includes any prefill; the reply is decided for the conversation before it (`context`).
    const promptTokens = this.tokenCounts.promptTokens(conversation);
    const requestedTokens = maxTokens ?? 0;
    if (promptTokens + requestedTokens > options.contextWindow) {
      return {
        kind: 'context_exceeded',
        promptTokens,
        requestedTokens,
        contextWindow: options.contextWindow,
      };
    }
    const { context, prefill } = request.continueFinal
      ? splitPrefill(conversation)
      : { context: conversation, prefill: undefined };
    const key = conversationKey(context);
    // Everything from here to the first await runs in arrival order: the overflow check, the fault draws
    // and rule consumption. A rejected request consumes neither, as a gateway in front would.
    if (options.overflow === 'reject' && this.slots.inUse >= options.slots) {
      this.stats.reject();
      return { kind: 'rejected' };
    }
    const arrival = this.arrivals++;
    const drawn = this.drawFaults();
    const hardFault = RATE_ORDER.find((kind) => kind !== 'malformedToolJson' && drawn.has(kind));
    // A drawn fault pre-empts the script, so retries after injected failures still see the whole script.
    const draft = hardFault === undefined ? this.rules.decide(context, key) : undefined;
    const fault = hardFault ?? (draft?.fault === 'malformedToolJson' ? undefined : draft?.fault);
    if (fault !== undefined) this.stats.fault(fault);
    if (fault === '429' || fault === '500') return { kind: 'fault', fault };

    const slot = await this.slots.acquire(signal);
    if (slot.kind === 'rejected') {
      this.stats.reject();
      return slot;
    }
    if (slot.kind === 'aborted') {
      this.stats.abort();
      return slot;
    }
    const { lease } = slot;
    if (fault === 'hang' || draft === undefined) {
      // A hang holds its slot, like a stuck generation on a real server.
      let timedOut = false;
      if (options.hangMs === undefined) await untilAborted(signal);
      else timedOut = await sleep(options.hangMs, signal);
      lease.release();
      if (timedOut) return { kind: 'hang_timeout' };
      this.stats.abort();
      return { kind: 'aborted' };
    }

    const budget = Math.min(maxTokens ?? Number.POSITIVE_INFINITY, options.contextWindow - promptTokens);
    const filler = draft.text === undefined && draft.completionTokens === undefined;
    const generation = buildGeneration({
      draft,
      tokenizer,
      budget,
      defaultReplyTokens: filler ? fillerReplyTokens(options, key) : options.defaultReplyTokens,
      seed: options.seed,
      conversationKey: key,
      malformToolJson: drawn.has('malformedToolJson') || draft.fault === 'malformedToolJson',
      prefill,
    });
    if (generation.malformed) this.stats.fault('malformedToolJson');
    this.stats.tokens(promptTokens, 0);

    const { latency } = options;
    const pieceCount =
      generation.textPieces.length + generation.toolCalls.reduce((sum, call) => sum + call.pieces.length, 0);
    const decodeMs = generation.completionTokens * latency.decodeMsPerToken;
    const { batchSlowdown } = options;
    const slots = this.slots;
    let settled = false;
    const settle = (aborted: boolean): void => {
      if (settled) return;
      settled = true;
      if (aborted) this.stats.abort();
      else this.stats.tokens(0, generation.completionTokens);
      lease.release();
    };
    return {
      kind: 'ready',
      active: {
        idHash: hashHex('response', options.seed, arrival, key),
        promptTokens,
        generation,
        pace: new GenerationPacer(signal, {
          prefillMs: latency.firstByteMs + promptTokens * latency.prefillMsPerToken,
          msPerPiece: pieceCount === 0 ? 0 : decodeMs / pieceCount,
          tailMs: pieceCount === 0 ? decodeMs : 0,
          pieces: pieceCount,
          // Every generation holding a slot is in the batch, this one included.
          slowdown: batchSlowdown === 0 ? undefined : () => 1 + batchSlowdown * Math.max(0, slots.inUse - 1),
        }),
        complete: () => settle(false),
        abort: () => settle(true),
      },
    };
  }
}
