import { PGlite } from '@electric-sql/pglite';
import { rmSync } from 'node:fs';
rmSync('/tmp/wfb/pgl2', { force: true, recursive: true });
const db = await PGlite.create({ dataDir: process.argv[2] === 'mem' ? undefined : '/tmp/wfb/pgl2' });
await db.exec('create table t (id text primary key, v jsonb); create table u (id int primary key, head int)');
await db.exec("insert into u values (1, 0)");
async function time(label: string, n: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 100; i++) await fn(-i - 1);
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  console.log(label, ((performance.now() - t) * 1000 / n).toFixed(0), 'us');
}
await time('select 1', 2000, () => db.query('select 1'));
await time('select param', 2000, (i) => db.query('select $1::int as x', [i]));
await time('insert autocommit', 2000, (i) => db.query('insert into t values ($1, $2::jsonb)', [`k${i}`, '{"a":[1,2,3]}']));
await time('update autocommit', 2000, (i) => db.query('update u set head = $1 where id = 1', [i]));
await time('3 inserts in tx', 1000, (i) => db.transaction(async (tx) => { for (let j = 0; j < 3; j++) await tx.query('insert into t values ($1, $2::jsonb)', [`x${i}_${j}`, '{"a":1}']); }));
await time('exec simple insert', 2000, (i) => db.exec(`insert into t values ('e${i}', '{"a":1}')`));
await db.exec('set synchronous_commit = off');
await time('insert autocommit sync_commit off', 2000, (i) => db.query('insert into t values ($1, $2::jsonb)', [`s${i}`, '{"a":[1,2,3]}']));
