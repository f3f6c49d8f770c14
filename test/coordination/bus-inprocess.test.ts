import { InProcessBus } from '../../src/coordination/bus/index.js';
import { runBusConformance, TEST_CHANNELS } from './bus-conformance.js';

/** InProcessBus: one bus per test, which every `open` returns (in-process buses share nothing else). */
runBusConformance('InProcessBus', {
  async backend() {
    let bus: InProcessBus<typeof TEST_CHANNELS> | undefined;
    return {
      async open(options = {}) {
        bus ??= new InProcessBus({ channels: TEST_CHANNELS, ...options });
        return bus;
      },
      close: async () => bus?.close(),
    };
  },
});
