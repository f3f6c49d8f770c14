/**
 * Simulated latency. Node timers fire no sooner than ~1ms, so per-token delays of a fraction of a
 * millisecond are kept on an absolute schedule and the pacer only sleeps once it is a whole millisecond
 * ahead of the clock; over many tokens the average rate matches the configured one.
 */
import { performance } from 'node:perf_hooks';

/** Resolves true after `ms`, or false as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when the signal aborts (or never, if it never does). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export class Pacer {
  private due = performance.now();

  constructor(private readonly signal: AbortSignal) {}

  /** Advances the schedule by `ms`; false when the request was aborted meanwhile. */
  async advance(ms: number): Promise<boolean> {
    this.due += ms;
    const ahead = this.due - performance.now();
    if (ahead >= 1) return sleep(ahead, this.signal);
    return !this.signal.aborted;
  }
}
