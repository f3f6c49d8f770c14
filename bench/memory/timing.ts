/** Timing helpers for the memory benchmark. */

export interface Latency {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentiles of durations in ms. */
export function latency(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  return {
    n: sorted.length,
    p50: rank(0.5),
    p99: rank(0.99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
    max: sorted.at(-1) ?? NaN,
  };
}

/** Runs `work` once per item, one after another, and returns each call's duration in ms. */
export async function timeEach<T>(
  items: readonly T[],
  work: (item: T) => Promise<unknown>,
): Promise<number[]> {
  const durations: number[] = [];
  for (const item of items) {
    const started = performance.now();
    await work(item);
    durations.push(performance.now() - started);
  }
  return durations;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Progress on stderr, with the seconds since the run started. */
const t0 = performance.now();
export function progress(message: string): void {
  process.stderr.write(`[bench:memory +${((performance.now() - t0) / 1000).toFixed(0)}s] ${message}\n`);
}

/** The 1-minute load average against the core count, to flag runs sharing the machine. */
export { loadavg } from 'node:os';
