import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { openStore, PgliteStore } from '../../src/store/index.js';
import { runStoreConformance } from './conformance.js';
import { expectStoreError, failure } from './support.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = mkdtempSync(join(tmpdir(), 'hydra-store-pglite-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const suiteDir = join(scratch, 'conformance');
const probe = await PgliteStore.open({ dataDir: suiteDir });
const { capabilities } = probe;
await probe.close();

runStoreConformance('PgliteStore (embedded PGlite)', {
  kind: 'pglite',
  capabilities,
  open: () => PgliteStore.open({ dataDir: suiteDir }),
});

/** Runs the child that commits and then SIGKILLs itself; resolves with its signal and output. */
function commitAndDie(
  dataDir: string,
): Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'test/store/fixtures/commit-and-die.ts'), dataDir],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (_code, signal) => resolvePromise({ signal, stdout, stderr }));
  });
}

describe('PgliteStore specifics', () => {
  const dataDir = join(scratch, 'nested', 'not', 'yet', 'there');

  it('openStore() without a URL opens PGlite in dataDir (created if missing) with pgvector', async () => {
    expect(existsSync(dataDir)).toBe(false);
    const store = await openStore({ dataDir });
    try {
      expect(store.kind).toBe('pglite');
      expect(store.location).toBe(dataDir);
      expect(store.capabilities).toEqual({ vector: true });
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('a second open of the same data directory fails (typed, naming the process) while the first is open', async () => {
    const first = await PgliteStore.open({ dataDir });
    try {
      const error = expectStoreError(await failure(PgliteStore.open({ dataDir })), 'unavailable');
      expect(error.message).toContain('already open in this process');
      expect(error.data['pid']).toBe(process.pid);
      expect(JSON.parse(readFileSync(join(dataDir, 'hydra-store.lock'), 'utf8'))).toMatchObject({
        pid: process.pid,
      });
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, 'hydra-store.lock'))).toBe(false);
  });

  it('durable ack: a transaction survives SIGKILL right after it resolved; the dead process lock is taken over', async () => {
    const child = await commitAndDie(dataDir);
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('acked\n');
    expect(child.signal).toBe('SIGKILL');
    expect(existsSync(join(dataDir, 'hydra-store.lock'))).toBe(true); // left behind by the killed process
    const store = await PgliteStore.open({ dataDir });
    try {
      expect((await store.query('select v from acked')).rows).toEqual([{ v: 'committed before the kill' }]);
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('PgliteStore maintenance', () => {
  it('analyzes tables itself once enough rows changed, so the planner can use indexes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hydra-pglite-maintenance-'));
    const store = await PgliteStore.open({ dataDir });
    try {
      await store.exec('create table notes (id integer primary key, body text)');
      const stats = async (): Promise<number> =>
        Number(
          (await store.query<{ reltuples: number }>(`select reltuples from pg_class where relname = 'notes'`))
            .rows[0]?.reltuples,
        );
      expect(await stats()).toBeLessThan(0); // never analyzed
      await store.transaction(async (tx) => {
        for (let id = 0; id < 1_200; id++)
          await tx.query('insert into notes values ($1, $2)', [id, `note ${id}`]);
      });
      await store.maintenanceIdle();
      expect(await stats()).toBe(1_200);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
