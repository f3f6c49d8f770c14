import type { Command } from 'commander';
import { Redis } from 'ioredis';
import pg from 'pg';

import {
  createConfiguredProvider,
  loadConfig,
  type HydraConfig,
  type LoadedConfig,
} from '../../config/index.js';
import { describeError } from '../../errors/index.js';
import { DEFAULT_BASE_URLS, parseModelId, tokenizerForModel } from '../../models/index.js';
import { EXIT, printJson, progress } from '../output.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

const MIN_NODE_MAJOR = 20;
const TIMEOUT_MS = 3_000;

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('Check the environment: Node version, config, model reachability, database and Redis.')
    .option('--json', 'print the checks as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const checks = await runChecks(command.optsWithGlobals<{ config?: string }>().config);
      const failed = checks.some((check) => check.status === 'fail');
      if (flags.json) printJson({ ok: !failed, checks });
      else {
        const marks: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', info: '·' };
        for (const check of checks) {
          process.stdout.write(`${marks[check.status]} ${check.name.padEnd(10)} ${check.detail}\n`);
          if (check.fix) process.stdout.write(`  ${' '.repeat(10)} fix: ${check.fix}\n`);
        }
        progress(failed ? '\nSome checks failed; see the fixes above.' : '\nAll required checks passed.');
      }
      if (failed) process.exitCode = EXIT.failure;
    });
}

export async function runChecks(configPath: string | undefined): Promise<CheckResult[]> {
  const checks: CheckResult[] = [checkNode()];
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadConfig({ configPath });
    const sources = [
      loaded.file ? `file ${loaded.file}` : 'no config file',
      ...loaded.envVars.map((name) => `$${name}`),
    ];
    checks.push({ name: 'config', status: 'ok', detail: `valid (${sources.join(', ')})` });
  } catch (error) {
    checks.push({
      name: 'config',
      status: 'fail',
      detail: describeError(error),
      fix: 'correct the field named above',
    });
  }
  checks.push(checkTokenizer());
  if (loaded) {
    checks.push(await checkModel(loaded.config));
    checks.push(await checkDatabase(loaded.config));
    checks.push(await checkRedis(loaded.config));
  }
  return checks;
}

function checkNode(): CheckResult {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? { name: 'node', status: 'ok', detail: `Node ${process.versions.node}` }
    : {
        name: 'node',
        status: 'fail',
        detail: `Node ${process.versions.node} is too old`,
        fix: `install Node ${MIN_NODE_MAJOR} or newer`,
      };
}

function checkTokenizer(): CheckResult {
  try {
    const count = tokenizerForModel('openai', 'gpt-4o').count('Hydra counts tokens.');
    return {
      name: 'tokenizer',
      status: 'ok',
      detail: `js-tiktoken o200k_base loaded (${count} tokens in a probe sentence)`,
    };
  } catch (error) {
    return {
      name: 'tokenizer',
      status: 'fail',
      detail: describeError(error),
      fix: 'reinstall dependencies: npm install',
    };
  }
}

async function checkModel(config: HydraConfig): Promise<CheckResult> {
  if (!config.model) {
    return {
      name: 'model',
      status: 'warn',
      detail: 'no model configured',
      fix: 'set HYDRA_MODEL (e.g. openai:gpt-4o-mini, ollama:llama3.1), or try `hydra demo`',
    };
  }
  try {
    const provider = await createConfiguredProvider(config);
    const ref = parseModelId(config.model);
    const settings = config.providers[ref.provider] ?? {};
    const baseUrl =
      ref.baseUrl ?? settings.baseUrl ?? DEFAULT_BASE_URLS[ref.provider] ?? officialBaseUrl(ref.provider);
    const headers: Record<string, string> =
      ref.provider === 'anthropic'
        ? { 'x-api-key': settings.apiKey ?? '', 'anthropic-version': '2023-06-01' }
        : settings.apiKey
          ? { authorization: `Bearer ${settings.apiKey}` }
          : {};
    const response = await fetch(`${baseUrl}/models`, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.status === 401 || response.status === 403) {
      return {
        name: 'model',
        status: 'fail',
        detail: `${provider.id}: credentials refused (HTTP ${response.status})`,
        fix: 'check the API key',
      };
    }
    if (!response.ok) {
      return {
        name: 'model',
        status: 'warn',
        detail: `${provider.id}: ${baseUrl}/models answered HTTP ${response.status}`,
      };
    }
    return {
      name: 'model',
      status: 'ok',
      detail: `${provider.id} reachable at ${baseUrl} (context window ${provider.contextWindow} tokens)`,
    };
  } catch (error) {
    return {
      name: 'model',
      status: 'fail',
      detail: `${config.model}: ${describeError(error)}`,
      fix: 'start the model server or fix its URL / key',
    };
  }
}

function officialBaseUrl(provider: string): string {
  return provider === 'anthropic' ? 'https://api.anthropic.com/v1' : 'https://api.openai.com/v1';
}

async function checkDatabase(config: HydraConfig): Promise<CheckResult> {
  if (!config.databaseUrl) {
    return {
      name: 'database',
      status: 'info',
      detail: `DATABASE_URL not set: Hydra uses its embedded PGlite store in ${config.dataDir}/data`,
    };
  }
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: TIMEOUT_MS });
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('show server_version');
    return {
      name: 'database',
      status: 'ok',
      detail: `PostgreSQL ${result.rows[0]?.server_version ?? '?'} at ${redact(config.databaseUrl)}`,
    };
  } catch (error) {
    return {
      name: 'database',
      status: 'fail',
      detail: `cannot reach ${redact(config.databaseUrl)}: ${describeError(error)}`,
      fix: 'start PostgreSQL (npm run services:start for a throwaway one) or unset DATABASE_URL',
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(config: HydraConfig): Promise<CheckResult> {
  if (!config.redisUrl)
    return { name: 'redis', status: 'info', detail: 'REDIS_URL not set: Hydra will use its in-process bus' };
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { name: 'redis', status: 'ok', detail: `Redis ${version} at ${redact(config.redisUrl)}` };
  } catch (error) {
    return {
      name: 'redis',
      status: 'fail',
      detail: `cannot reach ${redact(config.redisUrl)}: ${describeError(error)}`,
      fix: 'start Redis (npm run services:start for a throwaway one) or unset REDIS_URL',
    };
  } finally {
    redis.disconnect();
  }
}

/** Hides the password in a connection URL before it is printed. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
