/**
 * RedisBus when Redis dies: a private redis-server (appendfsync always) is SIGKILLed and restarted
 * mid-test. Publishing fails with a typed error instead of hanging, both connections reconnect by
 * themselves, durably published messages survive, and a durable subscription receives everything
 * published after it started exactly once, in order, refilling from the stream what its live connection
 * missed. The shared Redis is not touched.
 */
import { existsSync } from 'node:fs';

import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

import { RedisBus } from '../../src/coordination/bus/index.js';
import { TEST_CHANNELS } from './bus-conformance.js';
import { expectCode, OwnRedis, waitFor } from './coordination-support.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const available = existsSync(REDIS_SERVER);
if (!available) console.warn(`RedisBus restart test — skipped: ${REDIS_SERVER} is not installed`);

describe.skipIf(!available)('RedisBus: Redis killed and restarted mid-test', () => {
  it('fails fast with a typed error, reconnects, keeps durable messages and refills the gap', async () => {
    const server = await OwnRedis.start();
    const errors: unknown[] = [];
    const options = { channels: TEST_CHANNELS, redis: server.url, operationTimeoutMs: 3_000 };
    const publisher = new RedisBus({ ...options, onError: (error) => errors.push(error) });
    const subscriber = new RedisBus({ ...options, onError: (error) => errors.push(error) });
    try {
      const seen: number[] = [];
      await subscriber.subscribe('log', (message) => {
        seen.push(message.data.n);
      });
      for (const n of [1, 2, 3]) await publisher.publish('log', { n });
      await waitFor(() => seen.length === 3, 'the messages before the outage');

      await server.kill();
      const down = await expectCode(publisher.publish('log', { n: 99 }), 'provider_unavailable', {
        reason: 'unavailable',
        retryable: true,
      });
      expect(down.data).toMatchObject({ channel: 'log' });
      await expectCode(publisher.replay('log'), 'provider_unavailable');

      await server.resume();
      // Publish as soon as the publisher is back, likely before the subscriber has resubscribed.
      let next = 4;
      await waitFor(async () => {
        try {
          await publisher.publish('log', { n: next });
          next += 1;
          return true;
        } catch {
          return false;
        }
      }, 'the publisher to reconnect');
      for (; next <= 6; next++) await publisher.publish('log', { n: next });

      await waitFor(() => seen.length >= 6, 'the messages after the restart', 15_000);
      expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await publisher.replay('log')).map((message) => message.data.n)).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await publisher.close();
      await subscriber.close();
      await server.stop();
    }
  });

  it('a durable subscription whose connection alone was cut refills what it missed from the stream', async () => {
    const server = await OwnRedis.start();
    const options = { channels: TEST_CHANNELS, redis: server.url, operationTimeoutMs: 3_000 };
    const publisher = new RedisBus(options);
    const subscriber = new RedisBus(options);
    const admin = new Redis(server.url);
    try {
      const seen: { n: number; replayed: boolean }[] = [];
      await subscriber.subscribe('log', (message) => {
        seen.push({ n: message.data.n, replayed: message.replayed });
      });
      await publisher.publish('log', { n: 0 });
      await waitFor(() => seen.length === 1, 'the first message');
      // Cut only the subscriber's pub/sub connection, then publish while it is reconnecting.
      expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThan(0);
      for (let n = 1; n <= 5; n++) await publisher.publish('log', { n });
      await waitFor(() => seen.length >= 6, 'the messages published during the cut');
      await publisher.publish('log', { n: 6 });
      await waitFor(() => seen.length >= 7, 'a live message after the refill');
      expect(seen.map((entry) => entry.n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      // Messages published while the connection was down can only have come from the stream.
      expect(seen.some((entry) => entry.replayed)).toBe(true);
    } finally {
      admin.disconnect();
      await publisher.close();
      await subscriber.close();
      await server.stop();
    }
  });
});
