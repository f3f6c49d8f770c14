import { join } from 'node:path';

import { ConfigError } from '../errors/index.js';
import { FileSnapshotStore, Kernel } from '../kernel/index.js';
import { MemoryService } from '../memory/index.js';
import { openStore, type Store } from '../store/index.js';
import {
  createModelProvider,
  parseModelId,
  type ModelProvider,
  type ProviderSettings,
} from '../models/index.js';
import type { HydraConfig } from './schema.js';

/** The connection settings configured for a model id's provider. */
export function providerSettingsFor(config: HydraConfig, modelId: string): ProviderSettings {
  return config.providers[parseModelId(modelId).provider] ?? {};
}

/**
 * The provider for `modelId`, or for the configured default model. Without either it fails with a message
 * that says exactly how to configure one.
 */
export async function createConfiguredProvider(
  config: HydraConfig,
  modelId = config.model,
): Promise<ModelProvider> {
  if (modelId === undefined) {
    throw new ConfigError(
      [
        'No model is configured. Choose one of:',
        '  - set HYDRA_MODEL, e.g. HYDRA_MODEL=openai:gpt-4o-mini with OPENAI_API_KEY=sk-...',
        '  - a local server: HYDRA_MODEL=ollama:llama3.1 (Ollama on 127.0.0.1:11434)',
        '    or HYDRA_MODEL=openai-compatible:http://127.0.0.1:8000/v1#<model> (vLLM, llama.cpp, LM Studio, ...)',
        '  - put "model" in hydra.config.json, or pass --model <id>',
        'To see Hydra work without a model, run: hydra demo',
      ].join('\n'),
      { code: 'model_not_configured', data: { field: 'model', envVar: 'HYDRA_MODEL' } },
    );
  }
  return createModelProvider(modelId, {
    settings: providerSettingsFor(config, modelId),
    contextWindow: config.models[modelId]?.contextWindow,
  });
}

/** Slots assumed for a model endpoint that the config does not describe. */
export const DEFAULT_BACKEND_SLOTS = 4;

/**
 * A kernel for the given providers, with the configured scheduler, limits and retries, each provider's
 * slots and rate limits from `kernel.backends["<model id>"]`, and snapshots under `<dataDir>/snapshots`.
 */
export function createConfiguredKernel(
  config: HydraConfig,
  providers: ModelProvider[],
  cwd = process.cwd(),
): Kernel {
  const { backends, ...settings } = config.kernel;
  return new Kernel({
    ...settings,
    backends: providers.map((provider) => {
      const backend = backends[provider.id];
      return {
        provider,
        slots: backend?.slots ?? DEFAULT_BACKEND_SLOTS,
        rpm: backend?.rpm,
        tpm: backend?.tpm,
      };
    }),
    snapshots: new FileSnapshotStore(join(cwd, config.dataDir, 'snapshots')),
  });
}

/** The configured store: the PostgreSQL server in `databaseUrl`, else embedded PGlite in `<dataDir>/data`. */
export function openConfiguredStore(config: HydraConfig, cwd = process.cwd()): Promise<Store> {
  return openStore({ databaseUrl: config.databaseUrl, dataDir: join(cwd, config.dataDir, 'data') });
}

/** Agent memory on the configured store, embedding archival passages with `memory.embeddingModel` if set. */
export async function openConfiguredMemory(config: HydraConfig, store: Store): Promise<MemoryService> {
  const embeddingModel = config.memory.embeddingModel;
  if (!embeddingModel) return MemoryService.open(store);
  const provider = await createModelProvider(embeddingModel, {
    settings: providerSettingsFor(config, embeddingModel),
  });
  return MemoryService.open(store, {
    embedder: { embed: async (texts) => (await provider.embed(texts)).embeddings },
  });
}

/** Prices per model id from `models["<id>"].inputCostPerMillion / outputCostPerMillion`. */
export function configuredPricing(
  config: HydraConfig,
): Record<string, { inputPerMillion: number; outputPerMillion: number }> {
  return Object.fromEntries(
    Object.entries(config.models).flatMap(([id, settings]) =>
      settings.inputCostPerMillion !== undefined || settings.outputCostPerMillion !== undefined
        ? [
            [
              id,
              {
                inputPerMillion: settings.inputCostPerMillion ?? 0,
                outputPerMillion: settings.outputCostPerMillion ?? 0,
              },
            ],
          ]
        : [],
    ),
  );
}
