import { SYSCALL_TYPES, type SyscallType } from './types.js';

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

type Counter =
  'submitted' | 'done' | 'failed' | 'preemptions' | 'retries' | 'escalations' | 'contextOverflows';

function perType<T>(make: () => T): Record<SyscallType, T> {
  return Object.fromEntries(SYSCALL_TYPES.map((type) => [type, make()])) as Record<SyscallType, T>;
}

/** The kernel's counters, latency windows, token accounts and its own CPU time. */
export class KernelMetrics {
  readonly #counters: Record<Counter, number> = {
    submitted: 0,
    done: 0,
    failed: 0,
    preemptions: 0,
    retries: 0,
    escalations: 0,
    contextOverflows: 0,
  };
  readonly #waiting = perType(() => new SampleWindow());
  readonly #turnaround = perType(() => new SampleWindow());
  readonly #tokens = new Map<string, { in: number; out: number }>();
  #cpuMs = 0;

  count(counter: Counter): void {
    this.#counters[counter]++;
  }

  /** Runs `work`, adding its duration to the kernel's CPU time (the kernel's code is synchronous between awaits). */
  measure<T>(work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.#cpuMs += performance.now() - started;
    }
  }

  started(type: SyscallType, waitedMs: number): void {
    this.#waiting[type].add(waitedMs);
  }

  finished(type: SyscallType, status: 'done' | 'failed', turnaroundMs: number): void {
    this.#turnaround[type].add(turnaroundMs);
    this.#counters[status]++;
  }

  account(agentId: string, tokensIn: number, tokensOut: number): void {
    if (tokensIn === 0 && tokensOut === 0) return;
    const usage = this.#tokens.get(agentId) ?? { in: 0, out: 0 };
    usage.in += tokensIn;
    usage.out += tokensOut;
    this.#tokens.set(agentId, usage);
  }

  snapshot(
    live: Pick<KernelStats, 'agents' | 'queueDepth' | 'backends'> & { running: number; queued: number },
  ): KernelStats {
    const finished = this.#counters.done + this.#counters.failed;
    let tokensIn = 0;
    let tokensOut = 0;
    for (const usage of this.#tokens.values()) {
      tokensIn += usage.in;
      tokensOut += usage.out;
    }
    return {
      agents: live.agents,
      syscalls: { ...this.#counters, running: live.running, queued: live.queued },
      queueDepth: live.queueDepth,
      waiting: perTypeFrom(this.#waiting),
      turnaround: perTypeFrom(this.#turnaround),
      backends: live.backends,
      tokens: { byAgent: Object.fromEntries(this.#tokens), in: tokensIn, out: tokensOut },
      kernelCpuMs: this.#cpuMs,
      kernelCpuMsPerSyscall: finished === 0 ? 0 : this.#cpuMs / finished,
    };
  }
}

function perTypeFrom(windows: Record<SyscallType, SampleWindow>): Record<SyscallType, LatencySummary> {
  return Object.fromEntries(SYSCALL_TYPES.map((type) => [type, windows[type].summary()])) as Record<
    SyscallType,
    LatencySummary
  >;
}
