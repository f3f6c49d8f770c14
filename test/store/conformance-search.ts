import { expect, it } from 'vitest';

import {
  cosineDistanceSql,
  vectorColumnType,
  vectorIndexSql,
  vectorParam,
  type SqlExecutor,
  type StoreCapabilities,
} from '../../src/store/index.js';
import { expectStoreError, failure, type SuiteContext } from './support.js';

const ITEMS: Array<[number, number[]]> = [
  [1, [1, 0, 0, 0]],
  [2, [0.9, 0.1, 0, 0]],
  [3, [0.5, 0.5, 0.1, 0]],
  [4, [0, 1, 0, 0]],
  [5, [-1, 0, 0.2, 0]],
  [6, [0.2, 0.1, 0.9, 0.3]],
];
const QUERY = [1, 0.3, 0, 0];

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
  const norm = (v: number[]): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  return dot / (norm(a) * norm(b));
}

/** Ids nearest first, computed here in JavaScript: what every SQL variant must return. */
const EXPECTED = [...ITEMS].sort((a, b) => cosine(b[1], QUERY) - cosine(a[1], QUERY)).map(([id]) => id);

/** Creates and fills an embedding table the way memory code would, through the helpers. */
async function fillTable(db: SqlExecutor, capabilities: StoreCapabilities, table: string): Promise<void> {
  await db.query(
    `create table ${table} (id int primary key, embedding ${vectorColumnType(capabilities, 4)})`,
  );
  for (const [id, embedding] of ITEMS) {
    await db.query(`insert into ${table} values ($1, $2)`, [id, vectorParam(capabilities, embedding)]);
  }
}

async function nearest(
  db: SqlExecutor,
  capabilities: StoreCapabilities,
  table: string,
  k: number,
): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `select id from ${table} order by ${cosineDistanceSql(capabilities, 'embedding', '$1')} limit ${k}`,
    [vectorParam(capabilities, QUERY)],
  );
  return rows.map((row) => row.id);
}

async function plan(db: SqlExecutor, sql: string, params: unknown[]): Promise<string> {
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`explain (costs off) ${sql}`, params);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

export function describeSearch({ factory, store, table }: SuiteContext): void {
  it('full-text search: to_tsvector / websearch_to_tsquery with a GIN index', async () => {
    const t = table('docs');
    await store().exec(`
      create table ${t} (id int primary key, body text not null,
        tsv tsvector generated always as (to_tsvector('english', body)) stored);
      create index ${t}_tsv on ${t} using gin (tsv);`);
    const bodies = [
      'The quick brown fox jumps over the lazy dog',
      'A quick brown dog outpaces a lazy fox',
      'Foxes are running in the forest',
      'Nothing to see here',
    ];
    for (const [index, body] of bodies.entries()) {
      await store().query(`insert into ${t} (id, body) values ($1, $2)`, [index + 1, body]);
    }
    const search = `select id from ${t}, websearch_to_tsquery('english', $1) q where tsv @@ q order by ts_rank(tsv, q) desc, id`;
    const ids = async (query: string): Promise<number[]> =>
      (await store().query<{ id: number }>(search, [query])).rows.map((row) => row.id);
    expect((await ids('fox')).sort()).toEqual([1, 2, 3]); // 'Foxes' stems to 'fox'
    expect(await ids('fox -lazy')).toEqual([3]);
    expect(await ids('"quick brown fox"')).toEqual([1]);
    expect(await ids('quick or forest')).toHaveLength(3);
    const usesIndex = await store().transaction(async (tx) => {
      await tx.query('set local enable_seqscan = off'); // tiny table: make the planner show it can use GIN
      return plan(tx, search, ['fox']);
    });
    expect(usesIndex).toContain(`${t}_tsv`);
  });

  const { capabilities } = factory;
  if (capabilities.vector) {
    it('vector: pgvector is available — HNSW index and <=> rank nearest first', async () => {
      const t = table('vec');
      await fillTable(store(), capabilities, t);
      const index = vectorIndexSql(capabilities, { table: t, column: 'embedding' });
      expect(index).toContain('using hnsw');
      await store().query(index ?? '');
      const [ranked, shown] = await store().transaction(async (tx) => {
        await tx.query('set local enable_seqscan = off'); // so the 6-row table is searched through HNSW
        const sql = `select id from ${t} order by ${cosineDistanceSql(capabilities, 'embedding', '$1')} limit 3`;
        return [
          await nearest(tx, capabilities, t, 3),
          await plan(tx, sql, [vectorParam(capabilities, QUERY)]),
        ];
      });
      expect(shown).toContain(`${t}_embedding_hnsw`);
      expect(ranked).toEqual(EXPECTED.slice(0, 3));
    });
  } else {
    const reason = (capabilities.vectorUnavailableReason ?? '(no reason given: a bug)').replace(/\.$/, '');
    // The default reporter shows passing test names only on failure, so say it on stderr too.
    console.warn(`[store:${factory.kind}] vector: not available on this server — ${reason}`);
    it(`vector: not available on this server — ${reason}; using real[] fallback`, async () => {
      expect(capabilities.vectorUnavailableReason).toMatch(/pgvector/);
      expect(vectorColumnType(capabilities, 4)).toBe('real[]');
      expect(vectorIndexSql(capabilities, { table: 't', column: 'e' })).toBeUndefined();
      const missing = expectStoreError(
        await failure(store().query(`select '[1,2]'::vector as v`)),
        'query_failed',
      );
      expect(missing.sqlState).toBe('42704'); // type "vector" does not exist: the reason is true
      const t = table('vec_fallback');
      await fillTable(store(), capabilities, t); // the same helper calls as with pgvector
      expect(await nearest(store(), capabilities, t, 3)).toEqual(EXPECTED.slice(0, 3));
    });
  }

  it('vector fallback: real[] + hydra_cosine_similarity gives the exact cosine ranking (the same as <=>)', async () => {
    const noVector: StoreCapabilities = { vector: false };
    const t = table('vec_real');
    await fillTable(store(), noVector, t);
    expect(await nearest(store(), noVector, t, ITEMS.length)).toEqual(EXPECTED);
    if (capabilities.vector) {
      const v = table('vec_same');
      await fillTable(store(), capabilities, v);
      expect(await nearest(store(), capabilities, v, ITEMS.length)).toEqual(EXPECTED);
    }
    const similarity = async (a: number[], b: number[]): Promise<unknown> =>
      (
        await store().query<{ s: unknown }>('select hydra_cosine_similarity($1::real[], $2::real[]) as s', [
          a,
          b,
        ])
      ).rows[0]?.s;
    expect(await similarity([1, 0], [1, 0])).toBeCloseTo(1, 12);
    expect(await similarity([1, 2, 3], [-1, -2, -3])).toBeCloseTo(-1, 12);
    expect(await similarity([0, 0], [1, 1])).toBeNull();
    const mismatch = expectStoreError(await failure(similarity([1, 2], [1, 2, 3])), 'query_failed');
    expect(mismatch.sqlState).toBe('22000');
  });
}
