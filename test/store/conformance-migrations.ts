import { randomBytes } from 'node:crypto';

import { expect, it } from 'vitest';

import type { Migration, Store } from '../../src/store/index.js';
import { expectStoreError, failure, type SuiteContext } from './support.js';

/** Migrations of a fresh component, each appending its version to a log table (created by version 1). */
function loggedMigrations(component: string, log: string, versions: number[], calls: number[]): Migration[] {
  return versions.map((version) => ({
    component,
    version,
    description: `step ${version}`,
    async up(tx) {
      calls.push(version);
      if (version === 1)
        await tx.query(`create table ${log} (version int, at timestamptz default clock_timestamp())`);
      await tx.query('select pg_sleep(0.03)'); // widen the window in which an unlocked second runner would collide
      await tx.query(`insert into ${log} (version) values ($1)`, [version]);
    },
  }));
}

function component(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString('hex')}`;
}

async function appliedVersions(store: Store, name: string): Promise<number[]> {
  const { rows } = await store.query<{ version: number }>(
    'select version from schema_version where component = $1 order by version',
    [name],
  );
  return rows.map((row) => row.version);
}

export function describeMigrations({ factory, store, table }: SuiteContext): void {
  const twoRunners =
    factory.kind === 'postgres'
      ? 'migrate: two stores migrating the same database at once apply each version once, in order (advisory lock)'
      : 'migrate: two concurrent migrate() calls apply each version once, in order (one store per directory)';
  it(twoRunners, async () => {
    const name = component('conc');
    const log = table('migration_log');
    const calls: number[] = [];
    const migrations = loggedMigrations(name, log, [1, 2, 3], calls);
    const stores =
      factory.kind === 'postgres' ? await Promise.all([factory.open(), factory.open()]) : [store(), store()];
    try {
      await Promise.all(stores.map((s) => s.migrate(migrations)));
    } finally {
      if (factory.kind === 'postgres') await Promise.all(stores.map((s) => s.close()));
    }
    expect(calls).toEqual([1, 2, 3]); // no runner even started a version another had applied
    expect((await store().query(`select version from ${log} order by at`)).rows).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
    ]);
    expect(await appliedVersions(store(), name)).toEqual([1, 2, 3]);
    expect(await store().schemaVersion(name)).toBe(3);
    const row = await store().query<{ description: string; applied_at: unknown }>(
      'select description, applied_at from schema_version where component = $1 and version = 2',
      [name],
    );
    expect(row.rows[0]?.description).toBe('step 2');
    expect(row.rows[0]?.applied_at).toBeInstanceOf(Date);
  });

  it('migrate: re-running is a no-op; later versions apply on top; schemaVersion is 0 for unknown components', async () => {
    const name = component('rerun');
    const log = table('rerun_log');
    const calls: number[] = [];
    await store().migrate(loggedMigrations(name, log, [1, 2], calls));
    await store().migrate(loggedMigrations(name, log, [1, 2], calls));
    expect(calls).toEqual([1, 2]);
    await store().migrate(loggedMigrations(name, log, [1, 2, 3], calls));
    expect(calls).toEqual([1, 2, 3]);
    expect(await store().schemaVersion(name)).toBe(3);
    expect(await store().schemaVersion(component('never'))).toBe(0);
    expect(await store().schemaVersion('store')).toBe(1); // the store's own hydra_cosine_similarity
  });

  it('migrate: a failing migration rolls back, leaves no trace, and the error names component and version', async () => {
    const name = component('fail');
    const created = table('fail_created');
    const half = table('fail_half');
    const ok: Migration = {
      component: name,
      version: 1,
      description: 'create a table',
      up: async (tx) => void (await tx.query(`create table ${created} (v int)`)),
    };
    const broken: Migration = {
      component: name,
      version: 2,
      description: 'half done, then fails',
      async up(tx) {
        await tx.query(`create table ${half} (v int)`);
        await tx.query(`insert into ${created} values (1)`);
        await tx.query('select * from this_table_does_not_exist');
      },
    };
    const error = expectStoreError(await failure(store().migrate([ok, broken])), 'migration_failed');
    expect(error.message).toContain(JSON.stringify(name));
    expect(error.message).toContain('version 2');
    expect(error.data).toMatchObject({ component: name, version: 2 });
    expect(error.sqlState).toBe('42P01');
    expect(await store().schemaVersion(name)).toBe(1);
    expect((await store().query(`select to_regclass('${half}') as r`)).rows).toEqual([{ r: null }]);
    expect((await store().query(`select count(*) as n from ${created}`)).rows).toEqual([{ n: 0 }]);

    const thrown = new Error('not yet');
    const throwing: Migration = { ...broken, up: () => Promise.reject(thrown) };
    const second = expectStoreError(await failure(store().migrate([ok, throwing])), 'migration_failed');
    expect(second.cause).toBe(thrown);

    const fixed: Migration = {
      ...broken,
      up: async (tx) => void (await tx.query(`create table ${half} (v int)`)),
    };
    await store().migrate([ok, fixed]);
    expect(await store().schemaVersion(name)).toBe(2);
  });

  it('migrate: rejects duplicate, out-of-order, non-integer and reserved versions, and versions below an applied one', async () => {
    const name = component('invalid');
    const noop = (version: number, of = name): Migration => ({
      component: of,
      version,
      description: `noop ${version}`,
      up: async () => undefined,
    });
    for (const list of [
      [noop(1), noop(1)],
      [noop(2), noop(1)],
      [noop(0)],
      [noop(1.5)],
      [noop(1, 'store')],
      [noop(1, '')],
    ]) {
      expectStoreError(await failure(store().migrate(list)), 'migration_invalid');
    }
    expect(await store().schemaVersion(name)).toBe(0); // nothing ran: the list is checked first
    await store().migrate([noop(1), noop(3)]);
    const below = expectStoreError(
      await failure(store().migrate([noop(1), noop(2), noop(3)])),
      'migration_invalid',
    );
    expect(below.data).toMatchObject({ component: name, version: 2, highestApplied: 3 });
    expect(await appliedVersions(store(), name)).toEqual([1, 3]);
  });
}
