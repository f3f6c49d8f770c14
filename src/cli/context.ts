import type { Command } from 'commander';

import { loadConfig, type ConfigFlags, type LoadedConfig } from '../config/index.js';

/** Loads the configuration with the global `--config` flag and a command's own overrides. */
export function loadCliConfig(command: Command, flags: ConfigFlags = {}): Promise<LoadedConfig> {
  const globals = command.optsWithGlobals<{ config?: string }>();
  return loadConfig({ configPath: globals.config, flags });
}
