import { InProcessTaskQueue } from '../../src/coordination/queue/index.js';
import { runQueueConformance } from './queue-conformance.js';

/** InProcessTaskQueue: one queue per test, which every `open` returns (with the first call's options). */
runQueueConformance('InProcessTaskQueue', {
  async backend() {
    let queue: InProcessTaskQueue | undefined;
    return {
      async open(options = {}) {
        queue ??= new InProcessTaskQueue(options);
        return queue;
      },
      close: async () => queue?.close(),
    };
  },
});
