/** Timing, memory and progress helpers shared by the workflow benchmark's jobs. */

export interface Latency {
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentiles of durations in ms. */
export function latency(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
  return {
    p50: rank(0.5),
    p99: rank(0.99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
    max: sorted.at(-1) ?? NaN,
  };
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

const MB = 1024 * 1024;

/** Collects garbage when the process runs with --expose-gc (the worker always does). */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** RSS and heap in MB, after a full GC. */
export function memory(): { rssMb: number; heapMb: number } {
  collect();
  const usage = process.memoryUsage();
  return { rssMb: round(usage.rss / MB, 1), heapMb: round(usage.heapUsed / MB, 1) };
}

/** The process's peak RSS so far, in MB. */
export const peakRssMb = (): number => round((process.resourceUsage().maxRSS * 1024) / MB, 1);

/** Runs `work(i)` for i in [0, n) one after another; returns each call's duration in ms and the total. */
export async function timeSequential(
  n: number,
  work: (index: number) => Promise<unknown>,
): Promise<{ durations: number[]; seconds: number }> {
  const durations: number[] = new Array<number>(n);
  const started = performance.now();
  for (let index = 0; index < n; index++) {
    const before = performance.now();
    await work(index);
    durations[index] = performance.now() - before;
  }
  return { durations, seconds: (performance.now() - started) / 1000 };
}

const t0 = performance.now();
/** Progress on stderr, with the seconds since this process started. */
export function progress(message: string): void {
  process.stderr.write(`[bench:workflows +${((performance.now() - t0) / 1000).toFixed(0)}s] ${message}\n`);
}
