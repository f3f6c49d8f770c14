import { takeAt, type QueuedItem, type Scheduler } from './scheduler.js';

/**
 * Round-robin across agents: each agent has its own FIFO queue, and dispatch takes one syscall from each
 * agent in turn, so an agent with many queued calls cannot crowd out the others. Combined with the kernel's
 * time slice, a preempted generation goes to the back of the rotation.
 */
export class RoundRobinScheduler implements Scheduler {
  readonly policy = 'round-robin' as const;
  readonly #queues = new Map<string, QueuedItem[]>();
  /** Agents with queued work, in rotation order. */
  readonly #rotation: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  enqueue(item: QueuedItem): void {
    let queue = this.#queues.get(item.agentId);
    if (!queue) {
      queue = [];
      this.#queues.set(item.agentId, queue);
    }
    if (queue.length === 0) this.#rotation.push(item.agentId);
    queue.push(item);
    this.#size++;
  }

  dequeue(_now: number, canRun?: (item: QueuedItem) => boolean): QueuedItem | undefined {
    for (let turn = 0; turn < this.#rotation.length; turn++) {
      const agentId = this.#rotation[turn];
      const queue = agentId === undefined ? undefined : this.#queues.get(agentId);
      if (!queue || agentId === undefined) continue;
      const index = canRun ? queue.findIndex(canRun) : 0;
      if (index < 0) continue;
      const item = takeAt(queue, index);
      if (!item) continue;
      this.#size--;
      // The served agent goes to the back of the rotation (or leaves it when it has nothing left).
      this.#rotation.splice(turn, 1);
      if (queue.length > 0) this.#rotation.push(agentId);
      else this.#queues.delete(agentId);
      return item;
    }
    return undefined;
  }

  remove(id: string): boolean {
    for (const [agentId, queue] of this.#queues) {
      const index = queue.findIndex((item) => item.id === id);
      if (index < 0) continue;
      queue.splice(index, 1);
      this.#size--;
      if (queue.length === 0) {
        this.#queues.delete(agentId);
        this.#rotation.splice(this.#rotation.indexOf(agentId), 1);
      }
      return true;
    }
    return false;
  }

  recordService(): void {}

  forgetAgent(): void {}
}
