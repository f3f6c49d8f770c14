import type { ModelProvider } from '../models/index.js';
import { RateLimiter, type RateLimits } from './rate-limiter.js';

/**
 * Something with limited capacity that a syscall holds while it runs: a model endpoint's generation slots,
 * a tool's parallelism, a memory or storage pool. The kernel dispatches a syscall only when its resource
 * has room, so a backend never sees more work than it can take.
 */
export interface Resource {
  readonly id: string;
  queued: number;
  hasCapacity(cost: number): boolean;
  /** Milliseconds until `cost` fits a rate limit (0 when it fits now or there is none). */
  delayFor(cost: number): number;
  acquire(cost: number): void;
  release(heldMs: number, estimatedCost: number, actualCost: number): void;
}

/** A counting semaphore without a wait list: waiting is the scheduler's job. */
export class CapacityResource implements Resource {
  readonly id: string;
  readonly limit: number;
  busy = 0;
  busyMs = 0;
  completed = 0;
  maxBusy = 0;
  /** Syscalls waiting for this resource; preemption only pays when someone waits. */
  queued = 0;

  constructor(id: string, limit: number | 'unlimited') {
    this.id = id;
    this.limit = limit === 'unlimited' ? Number.POSITIVE_INFINITY : limit;
  }

  hasCapacity(_cost: number): boolean {
    return this.busy < this.limit;
  }

  delayFor(_cost: number): number {
    return 0;
  }

  acquire(_cost: number): void {
    this.busy++;
    if (this.busy > this.maxBusy) this.maxBusy = this.busy;
  }

  release(heldMs: number, _estimatedCost: number, _actualCost: number): void {
    this.busy--;
    this.busyMs += heldMs;
    this.completed++;
  }
}

export interface LlmBackendOptions extends RateLimits {
  provider: ModelProvider;
  /** Concurrent generations the endpoint serves (vLLM's max_num_seqs, llama.cpp's -np, an API's fair share). */
  slots: number;
  /** The node this endpoint runs on, for placement by requirements. */
  nodeId?: string | undefined;
}

/** One model endpoint: its generation slots, RPM/TPM limits and the counters kernel stats report. */
export class LlmBackend extends CapacityResource {
  readonly provider: ModelProvider;
  readonly nodeId: string | undefined;
  readonly #limiter: RateLimiter;

  constructor(options: LlmBackendOptions, now: () => number) {
    super(options.provider.id, options.slots);
    this.provider = options.provider;
    this.nodeId = options.nodeId;
    this.#limiter = new RateLimiter({ rpm: options.rpm, tpm: options.tpm }, now);
  }

  override delayFor(cost: number): number {
    return this.#limiter.unlimited ? 0 : this.#limiter.delayFor(cost);
  }

  override acquire(cost: number): void {
    super.acquire(cost);
    if (!this.#limiter.unlimited) this.#limiter.take(cost);
  }

  override release(heldMs: number, estimatedCost: number, actualCost: number): void {
    super.release(heldMs, estimatedCost, actualCost);
    if (!this.#limiter.unlimited) this.#limiter.settle(estimatedCost, actualCost);
  }
}
