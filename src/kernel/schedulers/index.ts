import { UserError } from '../../errors/index.js';
import { FifoScheduler } from './fifo.js';
import { LeastAttainedServiceScheduler } from './least-attained.js';
import { PriorityScheduler } from './priority.js';
import { RoundRobinScheduler } from './round-robin.js';
import {
  SCHEDULER_POLICIES,
  type Scheduler,
  type SchedulerOptions,
  type SchedulerPolicy,
} from './scheduler.js';

export { FifoScheduler } from './fifo.js';
export { DEFAULT_STARVATION_MS, LeastAttainedServiceScheduler } from './least-attained.js';
export { DEFAULT_AGING_MS, PriorityScheduler } from './priority.js';
export { RoundRobinScheduler } from './round-robin.js';
export {
  SCHEDULER_POLICIES,
  type QueuedItem,
  type Scheduler,
  type SchedulerOptions,
  type SchedulerPolicy,
} from './scheduler.js';

export function createScheduler(policy: SchedulerPolicy, options: SchedulerOptions = {}): Scheduler {
  switch (policy) {
    case 'fifo':
      return new FifoScheduler();
    case 'round-robin':
      return new RoundRobinScheduler();
    case 'priority':
      return new PriorityScheduler(options.agingMs);
    case 'las':
      return new LeastAttainedServiceScheduler(options.starvationMs);
    default:
      throw new UserError(
        'invalid_input',
        `Unknown scheduler policy "${String(policy)}"; use one of ${SCHEDULER_POLICIES.join(', ')}.`,
        {
          data: { field: 'kernel.scheduler.policy' },
        },
      );
  }
}
