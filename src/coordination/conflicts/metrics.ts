import { CONFLICT_TYPES, type ConflictType, type Strategy } from './types.js';

/** A point-in-time copy of the resolver's counters. */
export interface ConflictMetrics {
  detected: Record<ConflictType, number>;
  /** Resolved without a person, by strategy. */
  resolvedAutonomously: number;
  escalated: number;
  decidedByHuman: number;
  /** Escalated and not decided yet (by this process). */
  awaitingHuman: number;
  byStrategy: Record<Strategy, number>;
  /** resolvedAutonomously / (resolvedAutonomously + escalated); 0 before the first outcome. */
  autonomousRate: number;
  escalationRate: number;
  /** Detection to final resolution (a person's decision for escalated conflicts), in ms. */
  resolutionMs: { count: number; mean: number; p50: number; p95: number; max: number };
}

const SAMPLES = 10_000;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/**
 * Counters behind ConflictMetrics. prom-client is not a dependency, so `toPrometheus()` writes the text
 * exposition format by hand for whoever serves /metrics.
 */
export class ConflictMetricsRecorder {
  readonly #detected = Object.fromEntries(CONFLICT_TYPES.map((type) => [type, 0])) as Record<
    ConflictType,
    number
  >;
  readonly #byStrategy: Record<Strategy, number> = { negotiation: 0, arbitration: 0, evidence: 0, human: 0 };
  #autonomous = 0;
  #escalated = 0;
  #human = 0;
  #count = 0;
  #sum = 0;
  #max = 0;
  // The last SAMPLES durations, for quantiles; count/sum/max cover all of them.
  readonly #samples: number[] = [];
  #next = 0;

  detected(type: ConflictType): void {
    this.#detected[type] += 1;
  }

  escalated(): void {
    this.#escalated += 1;
  }

  resolved(strategy: Strategy, durationMs: number): void {
    this.#byStrategy[strategy] += 1;
    if (strategy === 'human') this.#human += 1;
    else this.#autonomous += 1;
    const ms = Math.max(0, durationMs);
    this.#count += 1;
    this.#sum += ms;
    this.#max = Math.max(this.#max, ms);
    if (this.#samples.length < SAMPLES) this.#samples.push(ms);
    else this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % SAMPLES;
  }

  snapshot(): ConflictMetrics {
    const outcomes = this.#autonomous + this.#escalated;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    return {
      detected: { ...this.#detected },
      resolvedAutonomously: this.#autonomous,
      escalated: this.#escalated,
      decidedByHuman: this.#human,
      awaitingHuman: Math.max(0, this.#escalated - this.#human),
      byStrategy: { ...this.#byStrategy },
      autonomousRate: outcomes === 0 ? 0 : this.#autonomous / outcomes,
      escalationRate: outcomes === 0 ? 0 : this.#escalated / outcomes,
      resolutionMs: {
        count: this.#count,
        mean: this.#count === 0 ? 0 : this.#sum / this.#count,
        p50: quantile(sorted, 0.5),
        p95: quantile(sorted, 0.95),
        max: this.#max,
      },
    };
  }

  /** The counters in Prometheus text format (`hydra_conflicts_*`). */
  toPrometheus(): string {
    const m = this.snapshot();
    const lines = [
      '# TYPE hydra_conflicts_detected_total counter',
      ...CONFLICT_TYPES.map((type) => `hydra_conflicts_detected_total{type="${type}"} ${m.detected[type]}`),
      '# TYPE hydra_conflicts_resolved_total counter',
      ...Object.entries(m.byStrategy).map(([s, n]) => `hydra_conflicts_resolved_total{strategy="${s}"} ${n}`),
      '# TYPE hydra_conflicts_escalated_total counter',
      `hydra_conflicts_escalated_total ${m.escalated}`,
      '# TYPE hydra_conflict_resolution_ms summary',
      `hydra_conflict_resolution_ms{quantile="0.5"} ${m.resolutionMs.p50}`,
      `hydra_conflict_resolution_ms{quantile="0.95"} ${m.resolutionMs.p95}`,
      `hydra_conflict_resolution_ms_sum ${this.#sum}`,
      `hydra_conflict_resolution_ms_count ${m.resolutionMs.count}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
