import type { Command } from 'commander';

import { openConfiguredMemory, openConfiguredStore, type HydraConfig } from '../config/index.js';
import type { MemoryService } from '../memory/index.js';
import { loadCliConfig } from './context.js';

/** Runs `work` with the configured memory, closing the store afterwards (PGlite holds a lock on its directory). */
export async function withMemory<T>(
  command: Command,
  work: (memory: MemoryService, config: HydraConfig) => Promise<T>,
): Promise<T> {
  const { config } = await loadCliConfig(command);
  const store = await openConfiguredStore(config);
  try {
    return await work(await openConfiguredMemory(config, store), config);
  } finally {
    await store.close();
  }
}
