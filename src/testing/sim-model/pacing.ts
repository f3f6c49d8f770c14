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

export interface DecodeSchedule {
  /** Delay before the first output token. */
  prefillMs: number;
  /** Base decode delay per emitted piece: the whole decode time spread over the pieces actually sent. */
  msPerPiece: number;
  /** Base decode delay owed after the last piece: all of it when there are no pieces to spread it over. */
  tailMs: number;
  pieces: number;
  /**
   * The factor decode delays are multiplied by, read as each piece is scheduled (continuous batching:
   * the step time follows the batch as it grows and shrinks). Undefined means always 1.
   */
  slowdown: (() => number) | undefined;
}

/** Paces one generation: its prefill, each emitted piece, and the decode time left after the last. */
export class GenerationPacer {
  private readonly pacer: Pacer;

  constructor(
    signal: AbortSignal,
    private readonly schedule: DecodeSchedule,
  ) {
    this.pacer = new Pacer(signal);
  }

  private factor(): number {
    return this.schedule.slowdown?.() ?? 1;
  }

  prefill(): Promise<boolean> {
    return this.pacer.advance(this.schedule.prefillMs);
  }

  piece(): Promise<boolean> {
    return this.pacer.advance(this.schedule.msPerPiece * this.factor());
  }

  tail(): Promise<boolean> {
    return this.pacer.advance(this.schedule.tailMs * this.factor());
  }

  /** The whole generation, for a non-streamed response; false if aborted meanwhile. */
  async whole(): Promise<boolean> {
    const { prefillMs, msPerPiece, tailMs, pieces, slowdown } = this.schedule;
    if (slowdown === undefined) return this.pacer.advance(prefillMs + msPerPiece * pieces + tailMs);
    if (!(await this.prefill())) return false;
    for (let i = 0; i < pieces; i++) if (!(await this.piece())) return false;
    return this.tail();
  }
}
