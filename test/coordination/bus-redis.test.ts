import { describe, it } from 'vitest';

import { RedisBus } from '../../src/coordination/bus/index.js';
import { runBusConformance, TEST_CHANNELS } from './bus-conformance.js';
import { deletePrefix, redisUrlOrWarn, uniqueSuffix } from './coordination-support.js';

/** RedisBus on the shared Redis in REDIS_URL; each test gets its own key prefix, deleted afterwards. */
const suite = 'Bus conformance: RedisBus';
const url = redisUrlOrWarn(suite);

if (!url) {
  describe(suite, () => {
    it.skip(`${suite} — REDIS_URL not set`, () => undefined);
  });
} else {
  runBusConformance(`RedisBus (${url})`, {
    async backend() {
      const prefix = `hydra-test:bus:${uniqueSuffix()}:`;
      const buses: RedisBus<typeof TEST_CHANNELS>[] = [];
      return {
        async open(options = {}) {
          const bus = new RedisBus({ channels: TEST_CHANNELS, redis: url, prefix, ...options });
          buses.push(bus);
          return bus;
        },
        async close() {
          await Promise.all(buses.map((bus) => bus.close()));
          await deletePrefix(url, prefix);
        },
      };
    },
  });
}
