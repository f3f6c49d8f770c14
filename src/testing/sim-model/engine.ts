/**
 * The dialect-neutral core: admission (context window, overflow, faults, rules, slots) and the state
 * shared by both wire formats. Dialect modules parse the wire request into a Conversation, ask the engine
 * to admit it, and render the outcome in their own response and error shapes.
 */
import { countChatTokens, createTokenizer } from '../../models/tokenizer.js';
import type { Tokenizer } from '../../models/types.js';
import type { Conversation } from './conversation.js';
import { conversationKey } from './conversation.js';
import type { Generation } from './generation.js';
import { buildGeneration } from './generation.js';
import type { FaultKind, ResolvedSimModelOptions } from './options.js';
import { Pacer, sleep, untilAborted } from './pacing.js';
import { hashHex, hashSeed, mulberry32 } from './random.js';
import { RuleBook } from './rules.js';
import { SlotPool } from './slots.js';
import type { SimModelStats } from './stats.js';
import { StatsRecorder } from './stats.js';

export interface GenerationRequest {
  conversation: Conversation;
  /** max_tokens / max_completion_tokens as requested, if any. */
  maxTokens: number | undefined;
  /** Aborts when the client disconnects or the server stops. */
  signal: AbortSignal;
}

/** A generation that holds a slot; exactly one of `complete` or `abort` must be called. */
export interface ActiveGeneration {
  /** Hex digest the dialect turns into its response id. */
  idHash: string;
  promptTokens: number;
  generation: Generation;
  pacer: Pacer;
  /** Delay before the first output token. */
  prefillMs: number;
  /** Delay per emitted piece; spreads the whole decode time over the pieces actually sent. */
  decodeMsPerPiece: number;
  /** Decode delay owed after the last piece: all of it when there are no pieces to spread it over. */
  decodeTailMs: number;
  /** Total decode delay, for non-streaming responses. */
  decodeMs: number;
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
  readonly stats = new StatsRecorder();
  private readonly slots: SlotPool;
  private readonly rules: RuleBook;
  private faultRandom: () => number;
  private arrivals = 0;
  private stopController = new AbortController();

  constructor(readonly options: ResolvedSimModelOptions) {
    this.tokenizer = createTokenizer(options.encoding, false);
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
    return this.stats.snapshot(this.slots.gauges());
  }

  resetStats(): void {
    this.stats.reset();
    this.slots.resetCounters();
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
    const promptTokens = countChatTokens(tokenizer, conversation.messages, conversation.tools);
    const requestedTokens = maxTokens ?? 0;
    if (promptTokens + requestedTokens > options.contextWindow) {
      return {
        kind: 'context_exceeded',
        promptTokens,
        requestedTokens,
        contextWindow: options.contextWindow,
      };
    }
    // Everything from here to the first await runs in arrival order: the overflow check, the fault draws
    // and rule consumption. A rejected request consumes neither, as a gateway in front would.
    if (options.overflow === 'reject' && this.slots.gauges().active >= options.slots) {
      this.stats.reject();
      return { kind: 'rejected' };
    }
    const arrival = this.arrivals++;
    const drawn = this.drawFaults();
    const hardFault = RATE_ORDER.find((kind) => kind !== 'malformedToolJson' && drawn.has(kind));
    // A drawn fault pre-empts the script, so retries after injected failures still see the whole script.
    const draft = hardFault === undefined ? this.rules.decide(conversation) : undefined;
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

    const key = conversationKey(conversation);
    const budget = Math.min(maxTokens ?? Number.POSITIVE_INFINITY, options.contextWindow - promptTokens);
    const generation = buildGeneration({
      draft,
      tokenizer,
      budget,
      defaultReplyTokens: options.defaultReplyTokens,
      seed: options.seed,
      conversationKey: key,
      malformToolJson: drawn.has('malformedToolJson') || draft.fault === 'malformedToolJson',
    });
    if (generation.malformed) this.stats.fault('malformedToolJson');
    this.stats.tokens(promptTokens, 0);

    const { latency } = options;
    const pieceCount =
      generation.textPieces.length + generation.toolCalls.reduce((sum, call) => sum + call.pieces.length, 0);
    const decodeMs = generation.completionTokens * latency.decodeMsPerToken;
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
        pacer: new Pacer(signal),
        prefillMs: latency.firstByteMs + promptTokens * latency.prefillMsPerToken,
        decodeMsPerPiece: pieceCount === 0 ? 0 : decodeMs / pieceCount,
        decodeTailMs: pieceCount === 0 ? decodeMs : 0,
        decodeMs,
        complete: () => settle(false),
        abort: () => settle(true),
      },
    };
  }
}
