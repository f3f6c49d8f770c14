import { UserError } from '../../errors/index.js';

/** One trace in the environment: what kind of mark (`type`) an agent left where (`location`), and how strong. */
export interface Trace {
  location: string;
  type: string;
  /** The sum of every deposit since the trace appeared; never zero or negative (such traces are removed). */
  strength: number;
  /** Epoch milliseconds after which the trace has evaporated (on the environment's clock). */
  expiresAt: number;
}

export interface DepositOptions {
  /**
   * How long the trace lives after this deposit (default: the environment's `defaultTtlMs`). Every deposit
   * resets the expiry, so a trace that agents keep reinforcing stays, and one nobody touches evaporates.
   */
  ttlMs?: number;
}

/**
 * A shared environment agents coordinate through without talking to each other (stigmergy): they leave
 * traces at locations and sense the traces others left. Traces evaporate when their TTL passes without a
 * deposit, so the marks of a crashed or finished agent do not steer the swarm forever.
 *
 * Deposits are atomic increments: any number of agents (in one process or many, on Redis) depositing on the
 * same trace at once never lose an update, and each gets back the strength its own deposit produced, which
 * is what lets an agent claim work race-free ("I am the 1st reviewer of this file, not the 3rd").
 */
export interface StigmergyEnvironment {
  /**
   * Adds `amount` (default 1; negative withdraws) to the trace's strength and resets its expiry. Returns the
   * strength after this deposit; a result of zero or below removes the trace.
   */
  deposit(location: string, type: string, amount?: number, options?: DepositOptions): Promise<number>;
  /** The live traces at a location, sorted by type. */
  sense(location: string): Promise<Trace[]>;
  /** The strength of one trace, 0 when it is absent or has evaporated. */
  strength(location: string, type: string): Promise<number>;
  /** Removes every trace at a location. */
  erase(location: string): Promise<void>;
}

export const DEFAULT_TRACE_TTL_MS = 10 * 60_000;

/** Validates a deposit's arguments the same way in every implementation; returns the TTL to apply. */
export function checkDeposit(
  location: string,
  type: string,
  amount: number,
  options: DepositOptions,
  defaultTtlMs: number,
): number {
  checkName('location', location);
  checkName('type', type);
  if (!Number.isFinite(amount)) {
    throw new UserError('invalid_input', `A trace deposit must be a finite number, not ${amount}.`, {
      data: { field: 'amount', location, type },
    });
  }
  const ttlMs = options.ttlMs ?? defaultTtlMs;
  checkTtl(ttlMs);
  return ttlMs;
}

export function checkTtl(ttlMs: number, field = 'ttlMs'): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new UserError('invalid_input', `A trace TTL must be a positive whole number of ms, not ${ttlMs}.`, {
      data: { field },
    });
  }
}

export function checkName(field: 'location' | 'type', value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new UserError('invalid_input', `A trace ${field} must be a non-empty string.`, { data: { field } });
  }
}

export interface InProcessStigmergyOptions {
  /** TTL of a deposit that names none (default 10 minutes). */
  defaultTtlMs?: number;
  /** Epoch milliseconds (default `Date.now`); tests inject a fake clock to check decay without sleeping. */
  now?: () => number;
}

interface Stored {
  strength: number;
  expiresAt: number;
}

/** Deposits between sweeps of evaporated traces, so untouched locations do not pile up in memory. */
const SWEEP_EVERY = 1_024;

/**
 * The environment inside one process: a map of locations to traces. Node runs one callback at a time, so a
 * deposit (read, add, write with no await in between) is atomic without locks.
 */
export class InProcessStigmergy implements StigmergyEnvironment {
  readonly #traces = new Map<string, Map<string, Stored>>();
  readonly #now: () => number;
  readonly #defaultTtlMs: number;
  #sinceSweep = 0;

  constructor(options: InProcessStigmergyOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#defaultTtlMs = options.defaultTtlMs ?? DEFAULT_TRACE_TTL_MS;
    checkTtl(this.#defaultTtlMs, 'defaultTtlMs');
  }

  async deposit(location: string, type: string, amount = 1, options: DepositOptions = {}): Promise<number> {
    const ttlMs = checkDeposit(location, type, amount, options, this.#defaultTtlMs);
    if (++this.#sinceSweep >= SWEEP_EVERY) this.sweep();
    const now = this.#now();
    let traces = this.#traces.get(location);
    const current = this.#live(traces?.get(type), now);
    const strength = (current?.strength ?? 0) + amount;
    if (strength <= 0) {
      traces?.delete(type);
      if (traces?.size === 0) this.#traces.delete(location);
      return strength;
    }
    if (!traces) this.#traces.set(location, (traces = new Map()));
    traces.set(type, { strength, expiresAt: now + ttlMs });
    return strength;
  }

  async sense(location: string): Promise<Trace[]> {
    checkName('location', location);
    const traces = this.#traces.get(location);
    if (!traces) return [];
    const now = this.#now();
    const live: Trace[] = [];
    for (const [type, stored] of traces) {
      if (this.#live(stored, now)) live.push({ location, type, ...stored });
      else traces.delete(type);
    }
    if (traces.size === 0) this.#traces.delete(location);
    return live.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  async strength(location: string, type: string): Promise<number> {
    checkName('location', location);
    checkName('type', type);
    return this.#live(this.#traces.get(location)?.get(type), this.#now())?.strength ?? 0;
  }

  async erase(location: string): Promise<void> {
    checkName('location', location);
    this.#traces.delete(location);
  }

  /** Traces held, including evaporated ones not swept yet. */
  get size(): number {
    let size = 0;
    for (const traces of this.#traces.values()) size += traces.size;
    return size;
  }

  /** Drops every evaporated trace now (deposits also do this every 1,024 calls). */
  sweep(): void {
    this.#sinceSweep = 0;
    const now = this.#now();
    for (const [location, traces] of this.#traces) {
      for (const [type, stored] of traces) if (!this.#live(stored, now)) traces.delete(type);
      if (traces.size === 0) this.#traces.delete(location);
    }
  }

  #live(stored: Stored | undefined, now: number): Stored | undefined {
    return stored && stored.expiresAt > now ? stored : undefined;
  }
}
