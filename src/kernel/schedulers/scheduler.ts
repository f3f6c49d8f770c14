/** The scheduling policies Hydra ships; chosen by `kernel.scheduler.policy` in the config. */
export const SCHEDULER_POLICIES = ['fifo', 'round-robin', 'priority', 'las'] as const;
export type SchedulerPolicy = (typeof SCHEDULER_POLICIES)[number];

/** A syscall waiting for dispatch, as the scheduler sees it. */
export interface QueuedItem {
  id: string;
  agentId: string;
  /** Higher is more urgent. */
  priority: number;
  /** When it entered the queue (ms, kernel clock); re-queued syscalls get a new time. */
  enqueuedAt: number;
  /** Kernel-wide arrival order, the tie-breaker every policy uses. */
  sequence: number;
}

/**
 * Decides which waiting syscall runs next when capacity frees. Implementations keep only ordering state;
 * the kernel owns capacity, so `dequeue` is called exactly when something can run, with a predicate for
 * items that cannot run right now (their backend or tool is saturated) — those keep their place.
 */
export interface Scheduler {
  readonly policy: SchedulerPolicy;
  readonly size: number;
  enqueue(item: QueuedItem): void;
  dequeue(now: number, canRun?: (item: QueuedItem) => boolean): QueuedItem | undefined;
  remove(id: string): boolean;
  /** Slot time an agent's finished (or preempted) work held, for program-aware policies. */
  recordService(agentId: string, serviceMs: number): void;
  /** The agent has left; drop what the scheduler remembers about it. */
  forgetAgent(agentId: string): void;
}

export interface SchedulerOptions {
  /** Priority aging: a waiting syscall gains one priority level per `agingMs` waited. */
  agingMs?: number | undefined;
  /** Least-attained-service starvation guard: a syscall waiting longer than this runs next regardless. */
  starvationMs?: number | undefined;
}

/** Removes and returns the element at `index` of an array in O(1) amortised time when it is the head. */
export function takeAt<T>(items: T[], index: number): T | undefined {
  if (index === 0) return items.shift();
  return items.splice(index, 1)[0];
}

/** The shared part of policies that keep one list of waiting items and pick from it. */
export abstract class ListScheduler implements Scheduler {
  abstract readonly policy: SchedulerPolicy;
  protected readonly items: QueuedItem[] = [];

  get size(): number {
    return this.items.length;
  }

  enqueue(item: QueuedItem): void {
    this.items.push(item);
  }

  abstract dequeue(now: number, canRun?: (item: QueuedItem) => boolean): QueuedItem | undefined;

  remove(id: string): boolean {
    const index = this.items.findIndex((item) => item.id === id);
    if (index < 0) return false;
    this.items.splice(index, 1);
    return true;
  }

  recordService(_agentId: string, _serviceMs: number): void {}

  forgetAgent(_agentId: string): void {}

  /** Removes and returns the runnable item that beats every other under `isBetter`. */
  protected takeBest(
    canRun: ((item: QueuedItem) => boolean) | undefined,
    isBetter: (candidate: QueuedItem, best: QueuedItem) => boolean,
  ): QueuedItem | undefined {
    let bestIndex = -1;
    let best: QueuedItem | undefined;
    this.items.forEach((item, index) => {
      if (canRun && !canRun(item)) return;
      if (!best || isBetter(item, best)) {
        best = item;
        bestIndex = index;
      }
    });
    return bestIndex < 0 ? undefined : takeAt(this.items, bestIndex);
  }
}
