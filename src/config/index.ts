/**
 * Configuration: `hydra.config.ts|js|json`, environment variables and flags, validated with zod.
 * Any export added here becomes public API.
 * @module
 */
export { defineConfig, hydraConfigSchema, type HydraConfig, type HydraConfigInput } from './schema.js';
export {
  CONFIG_FILE_NAMES,
  ENV_BINDINGS,
  loadConfig,
  type ConfigFlags,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load.js';
export {
  configuredPricing,
  createConfiguredKernel,
  createConfiguredProvider,
  DEFAULT_BACKEND_SLOTS,
  openConfiguredMemory,
  openConfiguredStore,
  providerSettingsFor,
} from './providers.js';
