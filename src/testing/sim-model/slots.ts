/**
 * Generation slots: at most `size` generations run at once, like a model server's batch capacity.
 * Excess requests either wait in FIFO order or are turned away, and a waiter or holder whose client
 * goes away gives its place back at once.
 */
import { performance } from 'node:perf_hooks';

export interface SlotLease {
  /** Frees the slot; safe to call more than once. */
  release(): void;
}

export type SlotOutcome = { kind: 'acquired'; lease: SlotLease } | { kind: 'rejected' } | { kind: 'aborted' };

interface Waiter {
  grant: () => void;
}

export interface SlotGauges {
  active: number;
  queued: number;
  maxConcurrent: number;
  maxQueued: number;
  /** Slot time of released leases plus the time current holders have held theirs so far. */
  busySlotMs: number;
}

export class SlotPool {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private readonly holders = new Set<{ since: number }>();
  private maxConcurrent = 0;
  private maxQueued = 0;
  private releasedMs = 0;

  constructor(
    private readonly size: number,
    private readonly overflow: 'queue' | 'reject',
  ) {}

  acquire(signal: AbortSignal): Promise<SlotOutcome> {
    if (signal.aborted) return Promise.resolve({ kind: 'aborted' });
    if (this.active < this.size) return Promise.resolve({ kind: 'acquired', lease: this.take() });
    if (this.overflow === 'reject') return Promise.resolve({ kind: 'rejected' });
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve({ kind: 'acquired', lease: this.take() });
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve({ kind: 'aborted' });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.maxQueued = Math.max(this.maxQueued, this.waiters.length);
    });
  }

  private take(): SlotLease {
    this.active += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.active);
    const holder = { since: performance.now() };
    this.holders.add(holder);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.holders.delete(holder);
        this.releasedMs += performance.now() - holder.since;
        this.active -= 1;
        // The slot passes straight to the oldest waiter, so a newcomer cannot overtake the queue.
        this.waiters.shift()?.grant();
      },
    };
  }

  /** Generations holding a slot now (cheaper than `gauges()`, for per-token reads). */
  get inUse(): number {
    return this.active;
  }

  gauges(): SlotGauges {
    const now = performance.now();
    let held = 0;
    for (const holder of this.holders) held += now - holder.since;
    return {
      active: this.active,
      queued: this.waiters.length,
      maxConcurrent: this.maxConcurrent,
      maxQueued: this.maxQueued,
      busySlotMs: this.releasedMs + held,
    };
  }

  /** Zeroes the counters; the high-water marks restart from what is in use right now. */
  resetCounters(): void {
    this.maxConcurrent = this.active;
    this.maxQueued = this.waiters.length;
    this.releasedMs = 0;
    const now = performance.now();
    for (const holder of this.holders) holder.since = now;
  }
}
