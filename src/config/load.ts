import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { createJiti } from 'jiti';
import type { z } from 'zod';

import { ConfigError } from '../errors/index.js';
import { hydraConfigSchema, type HydraConfig } from './schema.js';

/** Config files looked up in the working directory, first found wins. */
export const CONFIG_FILE_NAMES = [
  'hydra.config.ts',
  'hydra.config.mts',
  'hydra.config.js',
  'hydra.config.mjs',
  'hydra.config.json',
];

/** Environment variables Hydra reads, and the config field each one sets. */
export const ENV_BINDINGS: ReadonlyArray<readonly [envVar: string, path: readonly string[]]> = [
  ['HYDRA_MODEL', ['model']],
  ['OPENAI_API_KEY', ['providers', 'openai', 'apiKey']],
  ['OPENAI_BASE_URL', ['providers', 'openai', 'baseUrl']],
  ['ANTHROPIC_API_KEY', ['providers', 'anthropic', 'apiKey']],
  ['ANTHROPIC_BASE_URL', ['providers', 'anthropic', 'baseUrl']],
  ['DATABASE_URL', ['databaseUrl']],
  ['REDIS_URL', ['redisUrl']],
];

/** Values given on the command line; they win over the environment and the file. */
export interface ConfigFlags {
  model?: string | undefined;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
}

export interface LoadConfigOptions {
  cwd?: string;
  /** An explicit config file; it must exist. */
  configPath?: string | undefined;
  env?: Record<string, string | undefined>;
  flags?: ConfigFlags;
}

export interface LoadedConfig {
  config: HydraConfig;
  /** The config file used, if any. */
  file: string | undefined;
  /** Environment variables that contributed a value. */
  envVars: string[];
}

type Layer = Record<string, unknown>;

/** Loads, merges (file < environment < flags) and validates the configuration. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = findConfigFile(cwd, options.configPath);
  const fileLayer = file ? await readConfigFile(file) : {};
  validateLayer(fileLayer, (path) => `${file}: ${path}`);

  const envVars: string[] = [];
  let envLayer: Layer = {};
  for (const [envVar, path] of ENV_BINDINGS) {
    const value = env[envVar];
    if (value === undefined || value === '') continue;
    envVars.push(envVar);
    envLayer = setPath(envLayer, path, value);
  }
  validateLayer(envLayer, (path) => `environment variable ${envVarFor(path) ?? path}`);

  let flagLayer: Layer = {};
  for (const [key, value] of Object.entries(options.flags ?? {})) {
    if (value !== undefined) flagLayer = setPath(flagLayer, [key], value);
  }
  validateLayer(flagLayer, (path) => `flag --${kebab(path)}`);

  const config = parseOrThrow(deepMerge(deepMerge(fileLayer, envLayer), flagLayer), (path) => path);
  return { config, file, envVars };
}

function findConfigFile(cwd: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new ConfigError(`Config file ${path} does not exist. Check the --config path.`, {
        code: 'config_not_found',
        data: { path },
      });
    }
    return path;
  }
  return CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
}

async function readConfigFile(path: string): Promise<Layer> {
  let value: unknown;
  try {
    if (path.endsWith('.json')) {
      value = JSON.parse(await readFile(path, 'utf8'));
    } else {
      value = await createJiti(import.meta.url, { moduleCache: false }).import(path, { default: true });
    }
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(`Could not read config file ${path}: ${reason}`, { cause, data: { path } });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`Config file ${path} must contain (or export by default) an object.`, {
      data: { path },
    });
  }
  return value as Layer;
}

/** Validates one layer on its own so the error names the file, variable or flag it came from. */
function validateLayer(layer: Layer, where: (path: string) => string): void {
  if (Object.keys(layer).length > 0) parseOrThrow(layer, where);
}

function parseOrThrow(value: Layer, where: (path: string) => string): HydraConfig {
  const result = hydraConfigSchema.safeParse(value);
  if (result.success) return result.data;
  throw configErrorFrom(result.error, where);
}

function configErrorFrom(error: z.ZodError, where: (path: string) => string): ConfigError {
  const problems = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    const keys = 'keys' in issue && Array.isArray(issue.keys) ? ` ${issue.keys.join(', ')}` : '';
    return { field: path, message: `${where(path)}: ${issue.message}${keys}` };
  });
  const first = problems[0];
  return new ConfigError(
    `Invalid configuration:\n${problems.map((problem) => `  - ${problem.message}`).join('\n')}`,
    {
      data: { field: first?.field, problems },
    },
  );
}

function envVarFor(path: string): string | undefined {
  return ENV_BINDINGS.find(([, bound]) => bound.join('.') === path)?.[0];
}

function kebab(path: string): string {
  return path.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function setPath(target: Layer, path: readonly string[], value: unknown): Layer {
  const [head, ...rest] = path;
  if (head === undefined) return target;
  const child = target[head];
  return {
    ...target,
    [head]:
      rest.length === 0
        ? value
        : setPath(typeof child === 'object' && child !== null ? (child as Layer) : {}, rest, value),
  };
}

function deepMerge(base: Layer, override: Layer): Layer {
  const merged: Layer = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const existing = merged[key];
    merged[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Layer {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
