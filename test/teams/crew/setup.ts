import { afterAll, beforeAll } from 'vitest';

import { RunStore } from '../../../src/agents/index.js';
import { Kernel } from '../../../src/kernel/index.js';
import { MemoryService } from '../../../src/memory/index.js';
import { createModelProvider, type ModelProvider } from '../../../src/models/index.js';
import type { Store } from '../../../src/store/index.js';
import { SimModelServer, type SimModelOptions, type SimRule } from '../../../src/testing/index.js';
import { TEST_STORES } from '../../memory/stores.js';

/** Real parts for crew tests: a PGlite store with runs and memory, and per test a sim model and a kernel. */
export interface CrewWorld {
  store: Store;
  runs: RunStore;
  memory: MemoryService;
  /** A sim model server scripted with `rules` (over real HTTP) and a kernel on it, closed after the file. */
  model(
    rules: SimRule[],
    options?: Omit<SimModelOptions, 'rules'>,
  ): Promise<{ sim: SimModelServer; provider: ModelProvider; kernel: Kernel }>;
}

export function crewWorld(): CrewWorld {
  const [embedded] = TEST_STORES;
  if (!embedded) throw new Error('no test store');
  const cleanups: Array<() => Promise<void>> = [];
  const world = {} as CrewWorld;
  beforeAll(async () => {
    const opened = await embedded.open();
    cleanups.push(() => opened.dispose());
    world.store = opened.store;
    world.runs = await RunStore.open(opened.store);
    world.memory = await MemoryService.open(opened.store);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  world.model = async (rules, options = {}) => {
    const sim = new SimModelServer({ ...options, rules });
    const { url } = await sim.start(0);
    const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
      settings: { maxRetries: 0 },
    });
    const kernel = new Kernel({ backends: [{ provider, slots: 8 }] });
    cleanups.push(
      () => sim.stop(),
      () => kernel.close(),
    );
    return { sim, provider, kernel };
  };
  return world;
}
