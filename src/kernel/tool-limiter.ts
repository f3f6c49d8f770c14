/**
 * Per-tool parallelism for tool syscalls. A tool that drives a single browser or edits one repository must
 * not run twice at once, while a pure function can run unbounded; calls beyond a tool's limit queue in
 * arrival order and are never dropped.
 */
import { AbortedError, UserError } from '../errors/index.js';

/** How many calls of one tool may run at once; 1 makes the tool exclusive. */
export type ToolConcurrency = number | 'unlimited';

export interface ToolLimiterOptions {
  /** Limit for tools that were never declared. */
  defaultConcurrency?: ToolConcurrency;
}

export interface ToolStats {
  running: number;
  waiting: number;
  /** The highest `running` ever observed, to check a limit held (and to size it). */
  maxRunning: number;
  /** Calls whose task settled, successfully or not; calls aborted while waiting are not counted. */
  completed: number;
}

interface Waiter {
  grant(): void;
}

interface ToolState {
  limit: number;
  running: number;
  maxRunning: number;
  completed: number;
  // A Set keeps insertion order for FIFO and deletes an aborted waiter in O(1) wherever it sits.
  waiters: Set<Waiter>;
}

export class ToolLimiter {
  private readonly defaultLimit: number;
  private readonly tools = new Map<string, ToolState>();

  constructor(options: ToolLimiterOptions = {}) {
    this.defaultLimit = toLimit('defaultConcurrency', options.defaultConcurrency ?? 'unlimited');
  }

  /**
   * Sets a tool's limit; it applies to calls already waiting. Lowering it never interrupts running calls,
   * the tool just admits nothing new until it is back under the limit.
   */
  declare(toolName: string, concurrency: ToolConcurrency): void {
    const limit = toLimit('concurrency', concurrency, toolName);
    const state = this.state(toolName);
    state.limit = limit;
    this.pump(state);
  }

  /**
   * Runs `task` once the tool has a free permit, and releases the permit when the task settles (also when
   * it throws). Aborting while waiting removes the call from the queue and rejects with `AbortedError`;
   * once the task has started, reacting to the signal is the task's business.
   */
  async run<T>(toolName: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const state = this.state(toolName);
    if (signal?.aborted) throw abortedError(toolName, signal);
    if (state.running < state.limit && state.waiters.size === 0) {
      this.acquire(state);
    } else {
      await this.wait(toolName, state, signal);
      // The permit can be granted in the same tick the signal fires; starting work nobody wants is waste.
      if (signal?.aborted) {
        state.running -= 1;
        this.pump(state);
        throw abortedError(toolName, signal);
      }
    }
    try {
      return await task();
    } finally {
      state.running -= 1;
      state.completed += 1;
      this.pump(state);
    }
  }

  stats(): Record<string, ToolStats> {
    const out: Record<string, ToolStats> = {};
    for (const [name, state] of this.tools) {
      out[name] = {
        running: state.running,
        waiting: state.waiters.size,
        maxRunning: state.maxRunning,
        completed: state.completed,
      };
    }
    return out;
  }

  private state(toolName: string): ToolState {
    let state = this.tools.get(toolName);
    if (state === undefined) {
      state = { limit: this.defaultLimit, running: 0, maxRunning: 0, completed: 0, waiters: new Set() };
      this.tools.set(toolName, state);
    }
    return state;
  }

  private acquire(state: ToolState): void {
    state.running += 1;
    state.maxRunning = Math.max(state.maxRunning, state.running);
  }

  private wait(toolName: string, state: ToolState, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        // Only a still-queued waiter is removed; a granted one already holds a permit that run() returns.
        if (state.waiters.delete(waiter)) reject(abortedError(toolName, signal));
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      state.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands free permits to waiters in arrival order; the permit is taken here so no newcomer can jump in. */
  private pump(state: ToolState): void {
    while (state.running < state.limit) {
      const next = state.waiters.values().next();
      if (next.done === true) return;
      state.waiters.delete(next.value);
      this.acquire(state);
      next.value.grant();
    }
  }
}

function toLimit(field: string, concurrency: ToolConcurrency, toolName?: string): number {
  if (concurrency === 'unlimited') return Number.POSITIVE_INFINITY;
  if (typeof concurrency === 'number' && Number.isInteger(concurrency) && concurrency > 0) return concurrency;
  const subject = toolName === undefined ? field : `${field} of tool "${toolName}"`;
  throw new UserError(
    'invalid_input',
    `The ${subject} must be a positive integer or 'unlimited', got ${String(concurrency)}.`,
    { data: { field, value: concurrency, ...(toolName === undefined ? {} : { tool: toolName }) } },
  );
}

function abortedError(toolName: string, signal: AbortSignal | undefined): AbortedError {
  return new AbortedError(`The call to tool "${toolName}" was aborted while waiting for a permit.`, {
    cause: signal?.reason,
    data: { tool: toolName },
  });
}
