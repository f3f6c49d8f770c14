import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

import { RedisStigmergy } from '../../../src/coordination/swarm/index.js';
import { runStigmergyConformance } from './stigmergy-conformance.js';

/**
 * RedisStigmergy on the server in REDIS_URL (`npm run services:start`, or .ci/run, provides one), under a
 * fresh key prefix that is cleared afterwards.
 */
const { REDIS_URL } = process.env;

if (!REDIS_URL) {
  const why = 'skipped: REDIS_URL not set — run npm run services:start (.ci/run sets it)';
  console.warn(`RedisStigmergy — ${why}`);
  describe('StigmergyEnvironment conformance: RedisStigmergy', () => {
    it.skip(`RedisStigmergy — ${why}`, () => undefined);
  });
} else {
  const url = REDIS_URL;
  const prefix = `hydra-test:swarm:${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  runStigmergyConformance(`RedisStigmergy (prefix ${prefix})`, {
    shortTtlMs: 200,
    async open() {
      const connections: Redis[] = [];
      const connect = (): RedisStigmergy => {
        const redis = new Redis(url, { lazyConnect: false });
        connections.push(redis);
        return new RedisStigmergy(redis, { prefix });
      };
      const env = connect();
      return {
        env,
        client: async () => connect(),
        elapse: (ms) => sleep(ms),
        async close() {
          await env.clear();
          await Promise.all(connections.map((redis) => redis.quit()));
        },
      };
    },
  });

  describe('RedisStigmergy specifics', () => {
    it('keys live under the prefix and expire with their longest trace; clear removes them', async () => {
      const redis = new Redis(url);
      try {
        const env = new RedisStigmergy(redis, { prefix: `${prefix}-keys` });
        await env.deposit('src/a.ts', 'reviewing', 1, { ttlMs: 5_000 });
        await env.deposit('src/a.ts', 'issues_found', 2, { ttlMs: 60_000 });
        const ttl = await redis.pttl(`${prefix}-keys:src/a.ts`);
        expect(ttl).toBeGreaterThan(50_000);
        expect(ttl).toBeLessThanOrEqual(60_000);
        await env.clear();
        expect(await redis.exists(`${prefix}-keys:src/a.ts`)).toBe(0);
      } finally {
        await redis.quit();
      }
    });

    it('works after Redis forgets its scripts (SCRIPT FLUSH)', async () => {
      const redis = new Redis(url);
      try {
        const env = new RedisStigmergy(redis, { prefix: `${prefix}-flush` });
        await env.deposit('f', 'x');
        await redis.script('FLUSH');
        expect(await env.deposit('f', 'x')).toBe(2);
        await env.clear();
      } finally {
        await redis.quit();
      }
    });

    it('refuses a prefix with glob characters', () => {
      const redis = new Redis(url, { lazyConnect: true });
      expect(() => new RedisStigmergy(redis, { prefix: 'a*' })).toThrow(/glob/);
      redis.disconnect();
    });
  });
}
