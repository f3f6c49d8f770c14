import type { SyscallType } from './types.js';

/** Keeps the most recent samples (a ring buffer), so percentiles reflect current behaviour in bounded memory. */
export class SampleWindow {
  readonly #samples: number[] = [];
  readonly #capacity: number;
  #next = 0;
  #count = 0;
  #sum = 0;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  add(value: number): void {
    if (this.#samples.length < this.#capacity) this.#samples.push(value);
    else this.#samples[this.#next] = value;
    this.#next = (this.#next + 1) % this.#capacity;
    this.#count++;
    this.#sum += value;
  }

  summary(): LatencySummary {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return {
      count: this.#count,
      meanMs: this.#count === 0 ? 0 : this.#sum / this.#count,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: sorted.at(-1) ?? 0,
    };
  }
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface BackendStats {
  id: string;
  slots: number;
  busy: number;
  queued: number;
  busySlotMs: number;
  requests: number;
}

export interface KernelStats {
  agents: { active: number; waiting: number; max: number };
  syscalls: {
    submitted: number;
    running: number;
    queued: number;
    done: number;
    failed: number;
    preemptions: number;
    retries: number;
    escalations: number;
    /** Model calls refused by admission control (never sent). */
    contextOverflows: number;
  };
  queueDepth: Record<SyscallType, number>;
  waiting: Record<SyscallType, LatencySummary>;
  turnaround: Record<SyscallType, LatencySummary>;
  backends: BackendStats[];
  tokens: { byAgent: Record<string, { in: number; out: number }>; in: number; out: number };
  /** Time spent in the kernel's own synchronous code (admission, scheduling, bookkeeping). */
  kernelCpuMs: number;
  kernelCpuMsPerSyscall: number;
}
