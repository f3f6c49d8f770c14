import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

/**
 * Smoke tests for the throwaway servers of scripts/services.mjs (docs/services.md).
 * They run when DATABASE_URL / REDIS_URL are set, e.g. after `eval "$(npm run -s services:start)"`
 * or in CI (.ci/run); otherwise they are reported as skipped, with the reason in the test name.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const script = resolve(root, 'scripts/services.mjs');
const stateFile = resolve(root, '.hydra/services.json');
const { DATABASE_URL, REDIS_URL } = process.env;

/** Why a service is not usable, as recorded by `services.mjs start` (e.g. "redis-server not found; ..."). */
function unavailableReason(name: string): string {
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { unavailable?: Record<string, string> };
    const why = state.unavailable?.[name];
    return why ? ` (${name} unavailable: ${why})` : '';
  } catch {
    return '';
  }
}

function title(envVar: string, name: string, what: string, isSet: boolean): string {
  if (isSet) return what;
  return `${what} — skipped: ${envVar} not set — run npm run services:start${unavailableReason(name)}`;
}

// The default reporter does not list skipped tests by name, so say why on stderr as well.
for (const [envVar, name] of [
  ['DATABASE_URL', 'postgres'],
  ['REDIS_URL', 'redis'],
] as const) {
  if (!process.env[envVar]) console.warn(title(envVar, name, `${name} tests`, false));
}

describe('services', () => {
  it.skipIf(!DATABASE_URL)(
    title('DATABASE_URL', 'postgres', 'postgres: select 1, server_version_num >= 150000', !!DATABASE_URL),
    async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        const one = await client.query<{ one: number }>('select 1 as one');
        expect(one.rows[0]?.one).toBe(1);
        const version = await client.query<{ v: string }>(
          "select current_setting('server_version_num') as v",
        );
        expect(Number(version.rows[0]?.v)).toBeGreaterThanOrEqual(150000);
      } finally {
        await client.end();
      }
    },
  );

  it.skipIf(!REDIS_URL)(title('REDIS_URL', 'redis', 'redis: SET/GET round trip', !!REDIS_URL), async () => {
    const redis = new Redis(REDIS_URL ?? '', {
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    let lastError: Error | undefined;
    redis.on('error', (error: Error) => (lastError = error));
    await redis.connect().catch((error: unknown) => {
      throw lastError ?? error; // "connect ECONNREFUSED ..." says more than "Connection is closed."
    });
    try {
      const key = `hydra:test:services:${process.pid}:${Date.now()}`;
      expect(await redis.set(key, 'héllo ✓', 'EX', 60)).toBe('OK');
      expect(await redis.get(key)).toBe('héllo ✓');
      expect(await redis.del(key)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  it('`node scripts/services.mjs status` exits 0 and describes the services', () => {
    const result = spawnSync(process.execPath, [script, 'status'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    if (!existsSync(stateFile)) {
      expect(result.stdout).toMatch(/^services: not running \(start them with: npm run services:start\)/);
      return;
    }
    expect(result.stdout).toMatch(/^services: state in .*services\.json, data in /);
    for (const name of ['postgres', 'redis']) {
      expect(result.stdout).toMatch(
        new RegExp(`^${name}: (running|unavailable|NOT RUNNING|not started)`, 'm'),
      );
    }
  });
});
