import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  defineChannel,
  type Bus,
  type BusErrorHandler,
  type BusMessage,
} from '../../src/coordination/bus/index.js';
import { expectCode, waitFor } from './coordination-support.js';

export const TEST_CHANNELS = {
  events: defineChannel(z.object({ kind: z.string(), n: z.number().int() }), { durable: { maxLen: 5 } }),
  log: defineChannel(z.object({ n: z.number().int() }), { durable: { maxLen: 1_000 } }),
  chatter: defineChannel(z.object({ text: z.string(), to: z.object({ name: z.string() }) })),
};
export type TestChannels = typeof TEST_CHANNELS;

/** One test's backend: every bus `open` returns shares its channels (same process memory or key prefix). */
export interface BusBackend {
  open(options?: { onError?: BusErrorHandler }): Promise<Bus<TestChannels>>;
  close(): Promise<void>;
}

export interface BusFactory {
  /** A fresh, empty backend (a new key prefix on Redis). */
  backend(): Promise<BusBackend>;
}

/** The Bus contract (src/coordination/bus/types.ts): bus-inprocess.test.ts and bus-redis.test.ts. */
export function runBusConformance(name: string, factory: BusFactory): void {
  describe(`Bus conformance: ${name}`, () => {
    let backend: BusBackend;
    beforeEach(async () => {
      backend = await factory.backend();
    });
    afterEach(async () => {
      await backend.close();
    });

    it('delivers live messages to every subscriber, in order, at most once, only while subscribed', async () => {
      const bus = await backend.open();
      const a: BusMessage<{ text: string }>[] = [];
      const b: string[] = [];
      const subA = await bus.subscribe('chatter', (message) => {
        a.push(message);
      });
      await bus.subscribe('chatter', (message) => {
        b.push(message.data.text);
      });
      const receipts = [];
      for (const text of ['one', 'two', 'three']) {
        receipts.push(await bus.publish('chatter', { text, to: { name: 'x' } }));
      }
      await waitFor(() => a.length === 3 && b.length === 3, 'three messages to both subscribers');
      expect(a.map((message) => message.data)).toEqual([
        { text: 'one', to: { name: 'x' } },
        { text: 'two', to: { name: 'x' } },
        { text: 'three', to: { name: 'x' } },
      ]);
      expect(b).toEqual(['one', 'two', 'three']);
      expect(a.map((message) => message.id)).toEqual(receipts.map((receipt) => receipt.id));
      expect(receipts.every((receipt) => !receipt.durable)).toBe(true);
      expect(a[0]).toMatchObject({ channel: 'chatter', replayed: false });
      expect(a[0]?.publishedAt).toBeInstanceOf(Date);
      expect(subA.delivered).toBe(3);

      // A late subscriber gets nothing published before it subscribed; a closed one gets nothing more.
      await subA.close();
      const late: string[] = [];
      await bus.subscribe('chatter', (message) => {
        late.push(message.data.text);
      });
      await bus.publish('chatter', { text: 'four', to: { name: 'x' } });
      await waitFor(() => late.length === 1 && b.length === 4, 'the fourth message');
      expect(late).toEqual(['four']);
      expect(a).toHaveLength(3);
    });

    it('delivers between bus instances sharing a backend', async () => {
      const publisher = await backend.open();
      const subscriber = await backend.open();
      const seen: number[] = [];
      await subscriber.subscribe('log', (message) => {
        seen.push(message.data.n);
      });
      for (let n = 0; n < 20; n++) await publisher.publish('log', { n });
      await waitFor(() => seen.length === 20, 'twenty messages');
      expect(seen).toEqual([...Array(20).keys()]);
    });

    it('refuses an invalid message at publish, naming the field; nothing is delivered or kept', async () => {
      const bus = await backend.open();
      const seen: unknown[] = [];
      await bus.subscribe('chatter', (message) => {
        seen.push(message.data);
      });
      const bad = { text: 'hi', to: { name: 42 } } as unknown as { text: string; to: { name: string } };
      const error = await expectCode(bus.publish('chatter', bad), 'invalid_input', { fault: 'user' });
      expect(error.message).toContain('to.name');
      expect(error.message).toContain('chatter');
      expect(error.data['fields']).toEqual(['to.name']);
      await expectCode(bus.publish('events', { kind: 'k', n: 1.5 }), 'invalid_input', {
        data: expect.objectContaining({ fields: ['n'] }),
      });
      expect(await bus.replay('events')).toEqual([]);
      await expectCode(bus.publish('nope' as 'chatter', { text: 'x', to: { name: 'y' } }), 'not_found');
      await bus.publish('chatter', { text: 'ok', to: { name: 'y' } });
      await waitFor(() => seen.length === 1, 'the valid message');
      expect(seen).toEqual([{ text: 'ok', to: { name: 'y' } }]);
    });

    it('a handler that throws is reported and not redelivered; later messages still arrive', async () => {
      const errors: unknown[] = [];
      const bus = await backend.open({ onError: (error) => errors.push(error) });
      const seen: number[] = [];
      await bus.subscribe('log', (message) => {
        seen.push(message.data.n);
        if (message.data.n === 1) throw new Error('handler broke');
      });
      for (const n of [1, 2]) await bus.publish('log', { n });
      await waitFor(() => seen.length === 2, 'both messages');
      expect(seen).toEqual([1, 2]);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toBe('handler broke');
    });

    it('async handlers see one message at a time, in order', async () => {
      const bus = await backend.open();
      let running = 0;
      let overlap = false;
      const seen: number[] = [];
      await bus.subscribe('log', async (message) => {
        running += 1;
        overlap ||= running > 1;
        await new Promise((resolve) => setTimeout(resolve, message.data.n % 2 === 0 ? 5 : 0));
        seen.push(message.data.n);
        running -= 1;
      });
      for (let n = 0; n < 6; n++) await bus.publish('log', { n });
      await waitFor(() => seen.length === 6, 'six messages');
      expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
      expect(overlap).toBe(false);
    });

    it('replays a durable channel: newest maxLen kept, from the start, after an id, since a time, limited', async () => {
      const bus = await backend.open();
      const receipts = [];
      for (let n = 0; n < 7; n++) receipts.push(await bus.publish('events', { kind: 'tick', n }));
      expect(receipts.every((receipt) => receipt.durable && /^\d+-\d+$/.test(receipt.id))).toBe(true);

      const all = await bus.replay('events');
      expect(all.map((message) => message.data.n)).toEqual([2, 3, 4, 5, 6]);
      expect(all.map((message) => message.id)).toEqual(receipts.slice(2).map((receipt) => receipt.id));
      expect(all.every((message) => message.replayed && message.channel === 'events')).toBe(true);

      const after = await bus.replay('events', { from: { afterId: receipts[4]?.id ?? '' } });
      expect(after.map((message) => message.data.n)).toEqual([5, 6]);
      expect(await bus.replay('events', { from: { afterId: receipts[6]?.id ?? '' } })).toEqual([]);
      expect((await bus.replay('events', { limit: 2 })).map((message) => message.data.n)).toEqual([2, 3]);

      const at = all[3]?.publishedAt ?? new Date();
      const since = await bus.replay('events', { from: { since: at } });
      expect(since.every((message) => message.publishedAt.getTime() >= at.getTime())).toBe(true);
      expect(since.map((message) => message.data.n)).toContain(5);
      expect(await bus.replay('events', { from: { since: new Date(at.getTime() + 60_000) } })).toEqual([]);

      // Another bus on the same backend (a late process) sees the same history.
      const other = await backend.open();
      expect((await other.replay('events')).map((message) => message.id)).toEqual(
        all.map((message) => message.id),
      );
    });

    it('replay refuses a live-only channel, a malformed id and a bad limit', async () => {
      const bus = await backend.open();
      await expectCode(bus.replay('chatter'), 'invalid_input');
      await expectCode(
        bus.subscribe('chatter', () => undefined, { replay: 'start' }),
        'invalid_input',
      );
      await expectCode(bus.replay('events', { from: { afterId: 'yesterday' } }), 'invalid_input');
      await expectCode(bus.replay('events', { limit: 0 }), 'invalid_input');
    });

    it('a late subscriber replays history then continues live, with no gap and no duplicate', async () => {
      const publisher = await backend.open();
      const subscriber = await backend.open();
      for (let n = 0; n < 10; n++) await publisher.publish('log', { n });
      const seen: BusMessage<{ n: number }>[] = [];
      // Publishing continues while the subscriber replays: the switch to live must not lose or repeat any.
      const publishing = (async () => {
        for (let n = 10; n < 30; n++) await publisher.publish('log', { n });
      })();
      await subscriber.subscribe(
        'log',
        (message) => {
          seen.push(message);
        },
        { replay: 'start' },
      );
      await publishing;
      await waitFor(() => seen.length >= 30, 'thirty messages');
      expect(seen.map((message) => message.data.n)).toEqual([...Array(30).keys()]);
      expect(seen[0]?.replayed).toBe(true);
      expect(seen.at(-1)?.replayed).toBe(false);

      const fromMiddle: number[] = [];
      await subscriber.subscribe(
        'log',
        (message) => {
          fromMiddle.push(message.data.n);
        },
        { replay: { afterId: seen[27]?.id ?? '' } },
      );
      await publisher.publish('log', { n: 30 });
      await waitFor(() => fromMiddle.length === 3, 'replay after an id then live');
      expect(fromMiddle).toEqual([28, 29, 30]);
    });

    it('a closed bus refuses calls with a typed error', async () => {
      const bus = await backend.open();
      await bus.close();
      const error = await expectCode(bus.publish('log', { n: 1 }), 'internal');
      expect(error).toMatchObject({ reason: 'closed' });
      await expectCode(
        bus.subscribe('log', () => undefined),
        'internal',
      );
    });
  });
}
