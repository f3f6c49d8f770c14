import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Store } from '../../src/store/index.js';
import { describeMigrations } from './conformance-migrations.js';
import { describeSearch } from './conformance-search.js';
import { expectStoreError, failure, type StoreFactory, type SuiteContext } from './support.js';

export type { StoreFactory } from './support.js';

/**
 * The Store contract (docs/store.md), run against every implementation: test/store/pglite.test.ts and
 * test/store/postgres.test.ts. Tests share one database and isolate themselves by unique table names.
 */
export function runStoreConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    let current: Store | undefined;
    const suffix = randomBytes(4).toString('hex');
    const context: SuiteContext = {
      factory,
      store: () => {
        if (!current) throw new Error('the suite store is not open');
        return current;
      },
      reopen: async () => {
        await current?.close();
        current = await factory.open();
        return current;
      },
      table: (table) => `c_${table}_${suffix}`,
    };
    beforeAll(async () => {
      current = await factory.open();
    });
    afterAll(async () => {
      await current?.close();
    });

    describeQueries(context);
    describeTransactions(context);
    describeMigrations(context);
    describeSearch(context);
    describePersistence(context);
  });
}

function describeQueries({ store, table }: SuiteContext): void {
  it('query: parameters and result types (int, bigint, text, jsonb, timestamptz, arrays, bool, numeric, date)', async () => {
    const t = table('types');
    await store().query(`create table ${t} (
      i int, big bigint, s text, j jsonb, ts timestamptz, tags text[], nums int[], b boolean, n numeric, d date)`);
    const at = new Date('2024-05-06T07:08:09.123Z');
    const inserted = await store().query(
      `insert into ${t} values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10), ($1, $11, null, $12, null, '{}', null, null, null, null)`,
      [
        42,
        9007199254740993n,
        'héllo ✓',
        JSON.stringify({ a: [1, 'x'] }),
        at,
        ['a', 'b,c'],
        [1, 2],
        true,
        '1.50',
        '2024-02-29',
        7,
        JSON.stringify([1, 2]),
      ],
    );
    expect(inserted.rowCount).toBe(2);
    const { rows, rowCount } = await store().query<Record<string, unknown>>(
      `select * from ${t} order by big desc`,
    );
    expect(rowCount).toBe(0); // SELECT: use rows.length
    expect(rows).toEqual([
      {
        i: 42,
        big: 9007199254740993n,
        s: 'héllo ✓',
        j: { a: [1, 'x'] },
        ts: at,
        tags: ['a', 'b,c'],
        nums: [1, 2],
        b: true,
        n: '1.50',
        d: '2024-02-29',
      },
      { i: 42, big: 7, s: null, j: [1, 2], ts: null, tags: [], nums: null, b: null, n: null, d: null },
    ]);
    expect(rows[0]?.['ts']).toBeInstanceOf(Date);
    const counted = await store().query<{ n: unknown; ids: unknown }>(
      `select count(*) as n, array_agg(big order by big) as ids from ${t}`,
    );
    expect(counted.rows).toEqual([{ n: 2, ids: [7, 9007199254740993n] }]);
    const changed = await store().query(`update ${t} set s = 'u' where i = $1`, [42]);
    expect(changed.rowCount).toBe(2);
  });

  it('query: a statement run again (prepared after its first run) returns the same rows, types and counts', async () => {
    const t = table('repeat');
    await store().exec(
      `create table ${t} (id int primary key, s text, j jsonb, ts timestamptz, d date, b boolean)`,
    );
    const insert = `insert into ${t} (id, s, j, ts, d, b) values ($1, $2, $3::jsonb, $4, $5, $6)`;
    const at = new Date('2024-03-01T12:34:56.789Z');
    // Quotes, backslashes and SQL in values stay values (the prepared path inlines them as literals).
    const tricky = `it's \\ a "value"'); drop table ${t}; --`;
    for (let i = 0; i < 4; i++) {
      const { rowCount } = await store().query(insert, [
        i,
        i === 2 ? tricky : `s${i}`,
        JSON.stringify({ i, q: "o'k" }),
        at,
        '2024-02-29',
        i % 2 === 0,
      ]);
      expect(rowCount).toBe(1);
    }
    const select = `select id, s, j, ts, d, b from ${t} where id >= $1 order by id`;
    const first = await store().query(select, [0]);
    for (let i = 0; i < 3; i++) expect(await store().query(select, [0])).toEqual(first);
    expect(first.rows[2]).toEqual({
      id: 2,
      s: tricky,
      j: { i: 2, q: "o'k" },
      ts: at,
      d: '2024-02-29',
      b: true,
    });
    const update = `update ${t} set s = $2 where id < $1`;
    for (let i = 0; i < 3; i++) expect((await store().query(update, [2, null])).rowCount).toBe(2);
    // A prepared statement still runs after its table changed shape.
    await store().exec(`alter table ${t} add column extra int`);
    expect((await store().query(select, [3])).rows).toEqual([
      { id: 3, s: 's3', j: { i: 3, q: "o'k" }, ts: at, d: '2024-02-29', b: false },
    ]);
    // And a failing run of a prepared statement is the same StoreError.
    const duplicate = expectStoreError(
      await failure(store().query(insert, [1, 'x', '{}', at, null, null])),
      'query_failed',
    );
    expect(duplicate.sqlState).toBe('23505');
  });

  it('query: one statement only; database errors are StoreErrors with the SQLSTATE; exec runs scripts', async () => {
    const t = table('errors');
    await store().exec(
      `create table ${t} (id int primary key); insert into ${t} values (1); insert into ${t} values (2)`,
    );
    for (let i = 0; i < 3; i++)
      expectStoreError(await failure(store().query(`select 1; select 2`)), 'query_failed');
    const duplicate = expectStoreError(
      await failure(store().query(`insert into ${t} values ($1)`, [1])),
      'query_failed',
    );
    expect(duplicate.sqlState).toBe('23505');
    expect(duplicate.data['sql']).toContain(`insert into ${t}`);
    expect(duplicate.retryable).toBe(false);
    const missing = expectStoreError(
      await failure(store().query('select * from no_such_table_at_all')),
      'query_failed',
    );
    expect(missing.sqlState).toBe('42P01');
    expect((await store().query(`select count(*) as n from ${t}`)).rows).toEqual([{ n: 2 }]);
  });
}

function describeTransactions({ factory, store, table }: SuiteContext): void {
  it('transaction: committed writes are visible once it resolves, to this store and (server) to another', async () => {
    const t = table('commit');
    await store().query(`create table ${t} (v text)`);
    const result = await store().transaction(async (tx) => {
      await tx.query(`insert into ${t} values ($1)`, ['a']);
      await tx.exec(`insert into ${t} values ('b'); insert into ${t} values ('c')`);
      return 'done';
    });
    expect(result).toBe('done');
    expect((await store().query(`select v from ${t} order by v`)).rows).toEqual([
      { v: 'a' },
      { v: 'b' },
      { v: 'c' },
    ]);
    if (factory.kind === 'postgres') {
      const other = await factory.open();
      try {
        expect((await other.query(`select count(*) as n from ${t}`)).rows).toEqual([{ n: 3 }]);
      } finally {
        await other.close();
      }
    }
  });

  it('transaction: rolls back everything when work throws, and rethrows the same error', async () => {
    const t = table('rollback');
    await store().query(`create table ${t} (v text)`);
    const boom = new Error('boom');
    const error = await failure(
      store().transaction(async (tx) => {
        await tx.query(`insert into ${t} values ('x')`);
        await tx.query(`create table ${t}_inner (v int)`);
        throw boom;
      }),
    );
    expect(error).toBe(boom);
    expect((await store().query(`select count(*) as n from ${t}`)).rows).toEqual([{ n: 0 }]);
    expect((await store().query(`select to_regclass('${t}_inner') as r`)).rows).toEqual([{ r: null }]);
  });

  it('transaction: a failed statement aborts it even when caught (transaction_aborted, nothing written)', async () => {
    const t = table('aborted');
    await store().query(`create table ${t} (v int)`);
    const error = await failure(
      store().transaction(async (tx) => {
        await tx.query(`insert into ${t} values (1)`);
        await tx.query('select 1 / 0').catch(() => undefined);
        return 'swallowed';
      }),
    );
    expectStoreError(error, 'transaction_aborted');
    expect((await store().query(`select count(*) as n from ${t}`)).rows).toEqual([{ n: 0 }]);
  });

  it('transaction: no nesting — the store inside its own transaction, or tx after it, is transaction_misuse', async () => {
    let leaked: { query(sql: string): Promise<unknown> } | undefined;
    await store().transaction(async (tx) => {
      expectStoreError(await failure(store().query('select 1')), 'transaction_misuse');
      expectStoreError(await failure(store().transaction(async () => 1)), 'transaction_misuse');
      expectStoreError(await failure(store().migrate([])), 'transaction_misuse');
      leaked = tx;
    });
    expectStoreError(await failure(leaked!.query('select 1')), 'transaction_misuse');
    expect((await store().query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  const concurrency =
    factory.kind === 'pglite'
      ? 'transaction: concurrent transactions run one after the other (one connection), never interleaved'
      : 'transaction: concurrent transactions run at once on their own connections and both commit';
  it(concurrency, async () => {
    const t = table('concurrent');
    await store().query(`create table ${t} (who text, step int)`);
    const events: string[] = [];
    const run = (who: string): Promise<void> =>
      store().transaction(async (tx) => {
        events.push(`${who}:begin`);
        await tx.query(`insert into ${t} values ($1, 1)`, [who]);
        await sleep(50);
        await tx.query(`insert into ${t} values ($1, 2)`, [who]);
        events.push(`${who}:end`);
      });
    await Promise.all([run('a'), run('b')]);
    if (factory.kind === 'pglite') expect(events).toEqual(['a:begin', 'a:end', 'b:begin', 'b:end']);
    else expect(events.slice(0, 2).sort()).toEqual(['a:begin', 'b:begin']);
    expect(
      (await store().query(`select who, count(*) as n from ${t} group by who order by who`)).rows,
    ).toEqual([
      { who: 'a', n: 2 },
      { who: 'b', n: 2 },
    ]);
  });

  it('transaction: a query issued while one is open runs outside it (not rolled back with it)', async () => {
    const t = table('outside');
    await store().query(`create table ${t} (v text)`);
    let started!: () => void;
    const begun = new Promise<void>((resolve) => (started = resolve));
    const failing = store().transaction(async (tx) => {
      await tx.query(`insert into ${t} values ('inside')`);
      started();
      await sleep(50);
      throw new Error('roll back');
    });
    await begun;
    const outside = store().query(`insert into ${t} values ('outside')`);
    await expect(failing).rejects.toThrow('roll back');
    await outside;
    expect((await store().query(`select v from ${t}`)).rows).toEqual([{ v: 'outside' }]);
  });
}

function describePersistence({ factory, store, reopen, table }: SuiteContext): void {
  it('persistence: close waits for running work; data survives close and reopen; a closed store refuses calls', async () => {
    const t = table('persist');
    await store().query(`create table ${t} (v text, at timestamptz default now())`);
    const closing = store();
    const slow = closing.transaction(async (tx) => {
      await sleep(50);
      await tx.query(`insert into ${t} (v) values ('written before close')`);
    });
    await sleep(10);
    await closing.close();
    await slow; // committed, not cut off
    expectStoreError(await failure(closing.query('select 1')), 'closed');
    await closing.close(); // idempotent
    const reopened = await reopen();
    expect(reopened.kind).toBe(factory.kind);
    expect((await reopened.query(`select v from ${t}`)).rows).toEqual([{ v: 'written before close' }]);
    expect(await reopened.schemaVersion('store')).toBe(1);
  });
}
