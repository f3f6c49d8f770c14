/**
 * Counters a test or benchmark reads back to check what the "model" saw: load, queueing, faults and
 * aborts. `GET /sim/stats` serves the same object as `SimModelServer.stats()`.
 */
import type { FaultKind } from './options.js';
import { FAULT_KINDS } from './options.js';
import type { SlotGauges } from './slots.js';

export type SimEndpoint = 'chatCompletions' | 'messages' | 'embeddings' | 'models' | 'other';

export interface SimModelStats {
  requests: { total: number; byEndpoint: Record<SimEndpoint, number> };
  /** Responses sent, keyed by HTTP status code ("200", "429", ...). Aborted requests send none. */
  responses: Record<string, number>;
  promptTokens: number;
  completionTokens: number;
  /** Sum over slots of the milliseconds each was held by a generation. */
  busySlotMs: number;
  /** Most generations running at once. */
  maxConcurrent: number;
  /** Generations running now. */
  active: number;
  /** Requests waiting for a slot now. */
  queued: number;
  maxQueued: number;
  /** Requests turned away with 429 because every slot was busy (`overflow: 'reject'`). */
  rejected: number;
  /** Injected faults by kind, from rates and from scripted rules. */
  faults: Record<FaultKind, number>;
  /** Requests whose client went away (or the server stopped) while queued or generating. */
  aborted: number;
  /** Embedding vectors produced (one per input string). */
  embeddings: number;
  /** The prompt-token count cache: texts held now, and lookups served from it or tokenized. */
  tokenCountCache: TokenCountCacheGauges;
}

export interface TokenCountCacheGauges {
  entries: number;
  hits: number;
  misses: number;
}

const ENDPOINTS: readonly SimEndpoint[] = ['chatCompletions', 'messages', 'embeddings', 'models', 'other'];

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}

export class StatsRecorder {
  private total = 0;
  private byEndpoint = zeroes(ENDPOINTS);
  private responses: Record<string, number> = {};
  private promptTokens = 0;
  private completionTokens = 0;
  private rejected = 0;
  private faults = zeroes(FAULT_KINDS);
  private aborted = 0;
  private embeddings = 0;

  request(endpoint: SimEndpoint): void {
    this.total += 1;
    this.byEndpoint[endpoint] += 1;
  }

  response(status: number): void {
    const key = String(status);
    this.responses[key] = (this.responses[key] ?? 0) + 1;
  }

  tokens(prompt: number, completion: number): void {
    this.promptTokens += prompt;
    this.completionTokens += completion;
  }

  fault(kind: FaultKind): void {
    this.faults[kind] += 1;
  }

  reject(): void {
    this.rejected += 1;
  }

  abort(): void {
    this.aborted += 1;
  }

  embedded(count: number): void {
    this.embeddings += count;
  }

  reset(): void {
    this.total = 0;
    this.byEndpoint = zeroes(ENDPOINTS);
    this.responses = {};
    this.promptTokens = 0;
    this.completionTokens = 0;
    this.rejected = 0;
    this.faults = zeroes(FAULT_KINDS);
    this.aborted = 0;
    this.embeddings = 0;
  }

  snapshot(slots: SlotGauges, tokenCountCache: TokenCountCacheGauges): SimModelStats {
    return {
      requests: { total: this.total, byEndpoint: { ...this.byEndpoint } },
      responses: { ...this.responses },
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      busySlotMs: Math.round(slots.busySlotMs * 1000) / 1000,
      maxConcurrent: slots.maxConcurrent,
      active: slots.active,
      queued: slots.queued,
      maxQueued: slots.maxQueued,
      rejected: this.rejected,
      faults: { ...this.faults },
      aborted: this.aborted,
      embeddings: this.embeddings,
      tokenCountCache,
    };
  }
}
