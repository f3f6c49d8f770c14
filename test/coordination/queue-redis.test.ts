import { describe, it } from 'vitest';

import { RedisTaskQueue } from '../../src/coordination/queue/index.js';
import { deletePrefix, redisUrlOrWarn, uniqueSuffix } from './coordination-support.js';
import { runQueueConformance } from './queue-conformance.js';

/** RedisTaskQueue on the shared Redis in REDIS_URL; each test gets its own key prefix, deleted afterwards. */
const suite = 'TaskQueue conformance: RedisTaskQueue';
const url = redisUrlOrWarn(suite);

if (!url) {
  describe(suite, () => {
    it.skip(`${suite} — REDIS_URL not set`, () => undefined);
  });
} else {
  runQueueConformance(`RedisTaskQueue (${url})`, {
    async backend() {
      const prefix = `hydra-test:queue:${uniqueSuffix()}:`;
      const queues: RedisTaskQueue[] = [];
      return {
        async open(options = {}) {
          const queue = new RedisTaskQueue({ ...options, redis: url, prefix });
          queues.push(queue);
          return queue;
        },
        async close() {
          await Promise.all(queues.map((queue) => queue.close()));
          await deletePrefix(url, prefix);
        },
      };
    },
  });
}
