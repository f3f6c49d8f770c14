import { ListScheduler, takeAt, type QueuedItem } from './scheduler.js';

/** First come, first served; an item that cannot run yet is passed over without losing its place. */
export class FifoScheduler extends ListScheduler {
  readonly policy = 'fifo' as const;

  override enqueue(item: QueuedItem): void {
    // Re-queued (retried or preempted) syscalls keep arrival order by sequence, so insert in order.
    const items = this.items;
    let index = items.length;
    while (index > 0 && (items[index - 1]?.sequence ?? -Infinity) > item.sequence) index--;
    items.splice(index, 0, item);
  }

  dequeue(_now: number, canRun?: (item: QueuedItem) => boolean): QueuedItem | undefined {
    if (!canRun) return this.items.shift();
    const index = this.items.findIndex(canRun);
    return index < 0 ? undefined : takeAt(this.items, index);
  }
}
