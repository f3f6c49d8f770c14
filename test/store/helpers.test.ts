import { describe, expect, it } from 'vitest';

import {
  cosineDistanceSql,
  parseVectorLiteral,
  redactUrl,
  StoreError,
  toVectorLiteral,
  vectorColumnType,
  vectorIndexSql,
  vectorParam,
} from '../../src/store/index.js';
import { planMigrations } from '../../src/store/migrate.js';
import { expectStoreError } from './support.js';

const withVector = { vector: true };
const without = { vector: false, vectorUnavailableReason: 'no pgvector' };

describe('store helpers', () => {
  it('toVectorLiteral / parseVectorLiteral round-trip and reject what pgvector would', () => {
    expect(toVectorLiteral([1, 2, 3])).toBe('[1,2,3]');
    expect(toVectorLiteral([-0.5, 1e-7])).toBe('[-0.5,1e-7]');
    expect(parseVectorLiteral('[1,2.5,-3]')).toEqual([1, 2.5, -3]);
    expect(parseVectorLiteral(toVectorLiteral([0.1, 0.2]))).toEqual([0.1, 0.2]);
    for (const bad of [[], [Number.NaN], [1, Number.POSITIVE_INFINITY]]) {
      expectStoreError(
        captured(() => toVectorLiteral(bad)),
        'invalid_input',
      );
    }
    expectStoreError(
      captured(() => parseVectorLiteral('{1,2}')),
      'invalid_input',
    );
  });

  it('column type, parameter, distance and index SQL follow the capabilities', () => {
    expect(vectorColumnType(withVector, 1536)).toBe('vector(1536)');
    expect(vectorColumnType(withVector)).toBe('vector');
    expect(vectorColumnType(without, 1536)).toBe('real[]');
    expect(vectorParam(withVector, [1, 2])).toBe('[1,2]');
    expect(vectorParam(without, [1, 2])).toEqual([1, 2]);
    expect(cosineDistanceSql(withVector, 'embedding', '$2')).toBe('(embedding <=> $2::vector)');
    expect(cosineDistanceSql(without, 'embedding', '$2')).toBe(
      '(1 - hydra_cosine_similarity(embedding, $2::real[]))',
    );
    expect(vectorIndexSql(withVector, { table: 'passages', column: 'embedding' })).toBe(
      'create index if not exists passages_embedding_hnsw on passages using hnsw (embedding vector_cosine_ops)',
    );
    expect(vectorIndexSql(without, { table: 'passages', column: 'embedding' })).toBeUndefined();
    expectStoreError(
      captured(() => cosineDistanceSql(withVector, 'e', '1; drop table x')),
      'invalid_input',
    );
    expectStoreError(
      captured(() => vectorIndexSql(withVector, { table: 'x; drop', column: 'e' })),
      'invalid_input',
    );
    expectStoreError(
      captured(() => vectorColumnType(withVector, 0)),
      'invalid_input',
    );
  });

  it('redactUrl hides passwords in the authority and the query string', () => {
    expect(redactUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redactUrl('postgres://u@h/db?password=secret&sslmode=require')).toBe(
      'postgres://u@h/db?password=***&sslmode=require',
    );
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactUrl('not a url //u:secret@h')).toBe('not a url //u:***@h');
  });

  it('StoreError carries reason, fault, code and retryability', () => {
    const serialization = new StoreError('query_failed', 'could not serialize', { sqlState: '40001' });
    expect(serialization.retryable).toBe(true);
    expect(serialization.fault).toBe('internal');
    expect(serialization.data).toMatchObject({ reason: 'query_failed', sqlState: '40001' });
    const unavailable = new StoreError('unavailable', 'down');
    expect([unavailable.code, unavailable.fault, unavailable.retryable]).toEqual([
      'config_invalid',
      'user',
      true,
    ]);
    expect(StoreError.is(unavailable, 'unavailable')).toBe(true);
    expect(StoreError.is(unavailable, 'closed')).toBe(false);
    expect(StoreError.is(new Error('x'))).toBe(false);
  });

  it('planMigrations groups by component in first-appearance order and checks versions', () => {
    const m = (component: string, version: number) => ({
      component,
      version,
      description: '',
      up: async () => undefined,
    });
    const plan = planMigrations([m('a', 1), m('b', 1), m('a', 2), m('b', 5)]);
    expect(plan.map((group) => group.map((x) => `${x.component}${x.version}`))).toEqual([
      ['a1', 'a2'],
      ['b1', 'b5'],
    ]);
    expectStoreError(
      captured(() => planMigrations([m('a', 2), m('a', 2)])),
      'migration_invalid',
    );
    expectStoreError(
      captured(() => planMigrations([m('store', 1)])),
      'migration_invalid',
    );
  });
});

function captured(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
