import { StoreError } from './errors.js';
import type { Migration, SqlExecutor, Store } from './types.js';
import { STORE_MIGRATIONS } from './vector.js';

/**
 * One constant advisory-lock key for all Hydra migrations in a database ("Hydra" in ASCII): every process
 * migrating the same database queues on it, whatever the component. Transaction-scoped, so a crashed
 * process cannot leave it held.
 */
const MIGRATION_LOCK_SQL = 'select pg_advisory_xact_lock(310912675425)';

/** The component name the store uses for its own migrations (the real[] similarity function). */
export const STORE_COMPONENT = 'store';

const CREATE_SCHEMA_VERSION = `
  create table schema_version (
    component text not null,
    version integer not null,
    description text not null,
    applied_at timestamptz not null default now(),
    primary key (component, version)
  )`;

/**
 * Whether `schema_version` exists in the current schema (the first on the search path), which is where
 * it is created. Checking the whole search path could find another tenant's table in `public`.
 */
async function schemaVersionTableExists(db: SqlExecutor): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `select to_regclass(format('%I.schema_version', current_schema())) is not null as found`,
  );
  return rows[0]?.found === true;
}

export async function readSchemaVersion(db: SqlExecutor, component: string): Promise<number> {
  if (!(await schemaVersionTableExists(db))) return 0;
  const { rows } = await db.query<{ version: number | null }>(
    'select max(version) as version from schema_version where component = $1',
    [component],
  );
  return rows[0]?.version ?? 0;
}

/**
 * Checks the list before touching the database: per component, versions must be positive integers in
 * strictly increasing order (so duplicates and reordering are caught), and 'store' is reserved.
 * Returns the migrations grouped by component, components in order of first appearance.
 */
export function planMigrations(migrations: readonly Migration[], allowStoreComponent = false): Migration[][] {
  const groups = new Map<string, Migration[]>();
  for (const migration of migrations) {
    const { component, version } = migration;
    const where = `migration ${JSON.stringify(component)} version ${String(version)}`;
    const invalid = (problem: string): StoreError =>
      new StoreError('migration_invalid', `Invalid ${where}: ${problem}.`, { data: { component, version } });
    if (typeof component !== 'string' || component.trim() === '')
      throw invalid('the component name is empty');
    if (component === STORE_COMPONENT && !allowStoreComponent) {
      throw invalid(`the component name '${STORE_COMPONENT}' is reserved for the store's own migrations`);
    }
    if (!Number.isSafeInteger(version) || version < 1) throw invalid('versions are integers from 1 up');
    if (typeof migration.up !== 'function') throw invalid('it has no up() function');
    const group = groups.get(component) ?? [];
    const previous = group.at(-1);
    if (previous !== undefined && version === previous.version) throw invalid('the version is listed twice');
    if (previous !== undefined && version < previous.version) {
      throw invalid(`it is listed after version ${previous.version}; list versions in increasing order`);
    }
    group.push(migration);
    groups.set(component, group);
  }
  return [...groups.values()];
}

type Applied = Map<string, Set<number>>;

async function readApplied(tx: SqlExecutor): Promise<Applied> {
  const applied: Applied = new Map();
  const { rows } = await tx.query<{ component: string; version: number }>(
    'select component, version from schema_version',
  );
  for (const { component, version } of rows) {
    const versions = applied.get(component) ?? new Set<number>();
    versions.add(version);
    applied.set(component, versions);
  }
  return applied;
}

/**
 * Applies what is pending. The first transaction takes the lock, creates `schema_version` if needed and
 * reads what is applied; then each pending migration runs in its own transaction that takes the lock
 * again and re-checks, so a migration another process applied meanwhile is skipped, never run twice.
 */
export async function applyMigrations(store: Store, migrations: readonly Migration[]): Promise<void> {
  const plan = [...planMigrations(STORE_MIGRATIONS, true), ...planMigrations(migrations)];
  const applied = await store.transaction(async (tx) => {
    await tx.query(MIGRATION_LOCK_SQL);
    if (!(await schemaVersionTableExists(tx))) await tx.query(CREATE_SCHEMA_VERSION);
    return readApplied(tx);
  });
  for (const group of plan) {
    for (const migration of group) {
      if (applied.get(migration.component)?.has(migration.version)) continue;
      await store.transaction((tx) => applyOne(tx, store, migration));
    }
  }
}

async function applyOne(tx: SqlExecutor, store: Store, migration: Migration): Promise<void> {
  const { component, version, description } = migration;
  await tx.query(MIGRATION_LOCK_SQL);
  const { rows } = await tx.query<{ version: number }>(
    'select version from schema_version where component = $1',
    [component],
  );
  const versions = rows.map((row) => row.version);
  if (versions.includes(version)) return; // another process applied it while we waited for the lock
  const highest = Math.max(0, ...versions);
  if (highest > version) {
    throw new StoreError(
      'migration_invalid',
      `Migration ${JSON.stringify(component)} version ${version} is pending but version ${highest} is ` +
        `already applied; a new migration must have a higher version than every applied one.`,
      { data: { component, version, highestApplied: highest } },
    );
  }
  try {
    await migration.up(tx, store.capabilities);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new StoreError(
      'migration_failed',
      `Migration ${JSON.stringify(component)} version ${version} (${description}) failed and was rolled ` +
        `back; the version stays unapplied: ${why}`,
      {
        cause: error,
        data: { component, version, description },
        sqlState: StoreError.is(error) ? error.sqlState : undefined,
      },
    );
  }
  await tx.query('insert into schema_version (component, version, description) values ($1, $2, $3)', [
    component,
    version,
    description,
  ]);
}
