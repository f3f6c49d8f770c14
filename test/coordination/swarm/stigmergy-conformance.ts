import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HydraError } from '../../../src/errors/index.js';
import type { StigmergyEnvironment } from '../../../src/coordination/swarm/index.js';

/** One opened environment, plus extra clients on the same shared traces (other processes, on Redis). */
export interface OpenedStigmergy {
  env: StigmergyEnvironment;
  /** Another client of the same environment (its own connection where there is one). */
  client(): Promise<StigmergyEnvironment>;
  /** Lets `ms` of the environment's clock pass (a fake clock advances; Redis really waits). */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface StigmergyFactory {
  open(): Promise<OpenedStigmergy>;
  /** A TTL long enough for the backend to see every step of a test before it expires (Redis: real ms). */
  shortTtlMs: number;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(HydraError.isInstance(error) ? error.code : error).toBe(code);
}

/**
 * The StigmergyEnvironment contract (src/coordination/swarm/stigmergy.ts), run against every
 * implementation: stigmergy-memory.test.ts and stigmergy-redis.test.ts. Tests share one environment and
 * isolate themselves by unique locations.
 */
export function runStigmergyConformance(name: string, factory: StigmergyFactory): void {
  describe(`StigmergyEnvironment conformance: ${name}`, () => {
    let opened: OpenedStigmergy | undefined;
    const suite = (): OpenedStigmergy => {
      if (!opened) throw new Error('the suite environment is not open');
      return opened;
    };
    const env = (): StigmergyEnvironment => suite().env;
    let counter = 0;
    const at = (label: string): string => `${label}-${++counter}`;
    const ttl = factory.shortTtlMs;

    beforeAll(async () => {
      opened = await factory.open();
    });
    afterAll(async () => {
      await opened?.close();
    });

    it('deposit adds to a trace and returns the strength it produced; sense lists traces by type', async () => {
      const file = at('file');
      expect(await env().deposit(file, 'reviewing')).toBe(1);
      expect(await env().deposit(file, 'reviewing')).toBe(2);
      expect(await env().deposit(file, 'issues_found', 3)).toBe(3);
      expect(await env().deposit(file, 'issues_found', 0.5)).toBe(3.5);
      const traces = await env().sense(file);
      expect(traces.map(({ type, strength }) => ({ type, strength }))).toEqual([
        { type: 'issues_found', strength: 3.5 },
        { type: 'reviewing', strength: 2 },
      ]);
      for (const trace of traces) {
        expect(trace.location).toBe(file);
        expect(trace.expiresAt).toBeGreaterThan(Date.now());
      }
      expect(await env().strength(file, 'reviewing')).toBe(2);
      expect(await env().strength(file, 'absent')).toBe(0);
      expect(await env().sense(at('empty'))).toEqual([]);
    });

    it('locations and types are independent', async () => {
      const a = at('a');
      const b = at('b');
      await env().deposit(a, 'x', 2);
      await env().deposit(b, 'x', 5);
      await env().deposit(a, 'y', 7);
      expect(await env().strength(a, 'x')).toBe(2);
      expect(await env().strength(b, 'x')).toBe(5);
      expect(await env().strength(b, 'y')).toBe(0);
    });

    it('a withdrawal to zero or below removes the trace', async () => {
      const file = at('withdraw');
      await env().deposit(file, 'reviewing', 2);
      expect(await env().deposit(file, 'reviewing', -1)).toBe(1);
      expect(await env().deposit(file, 'reviewing', -1)).toBe(0);
      expect(await env().sense(file)).toEqual([]);
      expect(await env().deposit(file, 'reviewing', -1)).toBe(-1); // withdrawing from nothing leaves nothing
      expect(await env().strength(file, 'reviewing')).toBe(0);
      expect(await env().deposit(file, 'reviewing')).toBe(1);
    });

    it('traces evaporate after their TTL; a deposit resets the TTL of its trace only', async () => {
      const file = at('ttl');
      await env().deposit(file, 'short', 4, { ttlMs: ttl });
      await env().deposit(file, 'kept', 1, { ttlMs: ttl });
      await env().deposit(file, 'long', 1, { ttlMs: ttl * 20 });
      await suite().elapse(ttl * 0.6);
      await env().deposit(file, 'kept', 1, { ttlMs: ttl }); // reinforced: lives another full TTL
      await suite().elapse(ttl * 0.6);
      expect(await env().strength(file, 'short')).toBe(0);
      expect((await env().sense(file)).map(({ type, strength }) => [type, strength])).toEqual([
        ['kept', 2],
        ['long', 1],
      ]);
      // An evaporated trace starts again from nothing, not from its old strength.
      expect(await env().deposit(file, 'short', 1, { ttlMs: ttl })).toBe(1);
      await suite().elapse(ttl * 1.2);
      expect((await env().sense(file)).map(({ type }) => type)).toEqual(['long']);
    });

    it('200 concurrent deposits from several clients sum exactly', async () => {
      const file = at('race');
      const clients = [env(), ...(await Promise.all([1, 2, 3].map(() => suite().client())))];
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => clients[i % clients.length]!.deposit(file, 'reviewing')),
      );
      expect(await env().strength(file, 'reviewing')).toBe(200);
      // Every deposit saw a distinct strength: each agent knows exactly which claimant it was.
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    });

    it('concurrent deposits and withdrawals on several traces lose nothing', async () => {
      const files = [at('mix'), at('mix'), at('mix')];
      const clients = [env(), await suite().client()];
      // Each client's operations on one trace start with a deposit and withdraw at most one in seven, so no
      // interleaving takes a trace to zero (which would remove it) and the total does not depend on order.
      const amount = (i: number): number => (i % 7 === 6 ? -1 : 2);
      await Promise.all(
        Array.from({ length: 150 }, (_, i) => clients[i % 2]!.deposit(files[i % 3]!, 'weight', amount(i))),
      );
      const totals = await Promise.all(files.map((file) => env().strength(file, 'weight')));
      const expected = Array.from({ length: 150 }, (_, i) => amount(i)).reduce((sum, value) => sum + value);
      expect(totals.reduce((sum, value) => sum + value, 0)).toBe(expected);
    });

    it('erase removes every trace at a location', async () => {
      const file = at('erase');
      await env().deposit(file, 'a');
      await env().deposit(file, 'b');
      await env().erase(file);
      expect(await env().sense(file)).toEqual([]);
      await env().erase(file); // erasing nothing is fine
    });

    it('bad input is refused with invalid_input', async () => {
      await expectCode(env().deposit('', 'x'), 'invalid_input');
      await expectCode(env().deposit('f', ''), 'invalid_input');
      await expectCode(env().deposit('f', 'x', Number.NaN), 'invalid_input');
      await expectCode(env().deposit('f', 'x', Infinity), 'invalid_input');
      await expectCode(env().deposit('f', 'x', 1, { ttlMs: 0 }), 'invalid_input');
      await expectCode(env().deposit('f', 'x', 1, { ttlMs: 1.5 }), 'invalid_input');
      await expectCode(env().sense(''), 'invalid_input');
      await expectCode(env().strength('f', ''), 'invalid_input');
    });
  });
}
