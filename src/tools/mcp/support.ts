import { AbortedError } from '../../errors/index.js';

/** A minimal typed event emitter: Node's EventEmitter would throw on an unheard 'error' event. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Adds a listener; returns the function that removes it. */
  on<Name extends keyof Events>(event: Name, listener: (payload: Events[Name]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<Name extends keyof Events>(event: Name, payload: Events[Name]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as (payload: Events[Name]) => void)(payload);
      } catch {
        // A listener's bug must not break the connection that notified it.
      }
    }
  }
}

export interface BackoffPolicy {
  /** Delay before the second attempt; later delays grow by `factor`. */
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

/** Delay after the `failures`-th consecutive failure (1-based): initial, initial*factor, ..., capped. */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  const exponent = Math.max(0, failures - 1);
  return Math.min(policy.maxDelayMs, Math.round(policy.initialDelayMs * policy.factor ** exponent));
}

/** Resolves after `ms`, or rejects with AbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((resolve) => setTimeout(resolve, ms)), signal, 'The wait');
}

/** Races a shared promise against one caller's signal, without cancelling the promise for the others. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortedError(`${what} was aborted.`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError(`${what} was aborted.`));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits for `promise` at most `ms`; used where a hung peer must not hold up shutdown. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
