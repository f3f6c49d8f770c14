import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { StoreError } from './errors.js';

/**
 * PGlite runs PostgreSQL in single-user mode and takes no lock on its data directory, so two processes
 * opening the same directory would both write to it and corrupt it. This lock file makes the second one
 * fail instead. A lock left by a crashed process is taken over when its pid is no longer alive.
 * (Best effort: two processes that find the same stale lock at the same instant can both take it.)
 */
export const LOCK_FILE = 'hydra-store.lock';

interface LockOwner {
  pid: number;
  hostname: string;
  since: string;
}

export interface DataDirLock {
  release(): void;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string') return undefined;
    return { pid: parsed.pid, hostname: parsed.hostname, since: String(parsed.since ?? '') };
  } catch {
    return undefined; // unreadable or half-written: treated as stale
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only checks that the process exists
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dataDir: string, path: string, owner: LockOwner): StoreError {
  const where =
    owner.hostname === hostname() ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.hostname}`;
  const self = owner.pid === process.pid && owner.hostname === hostname();
  return new StoreError(
    'unavailable',
    `The embedded store in ${dataDir} is already open in ${self ? 'this process' : where} (since ` +
      `${owner.since}). PGlite allows one process per data directory: close the other one, use another ` +
      `dataDir, or share a PostgreSQL server (DATABASE_URL). If no such process exists, delete ${path}.`,
    {
      data: {
        dataDir,
        lockFile: path,
        pid: owner.pid,
        hostname: owner.hostname,
        fix: 'close the other process',
      },
    },
  );
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(path, 'wx'); // fails if the file exists: creation is the atomic test-and-set
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(
          'unavailable',
          `Cannot create the lock file ${path}: ${(error as Error).message}`,
          {
            cause: error,
            data: { dataDir, lockFile: path, fix: 'check that the data directory is writable' },
          },
        );
      }
      const owner = readOwner(path);
      // Another host's pid cannot be checked from here, so its lock is respected.
      if (owner && (owner.hostname !== me.hostname || isAlive(owner.pid))) throw inUse(dataDir, path, owner);
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        // someone else removed it first; try again
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          // already gone (e.g. the directory was deleted): nothing to release
        }
      },
    };
  }
  const owner = readOwner(path);
  throw owner
    ? inUse(dataDir, path, owner)
    : new StoreError(
        'unavailable',
        `Cannot take the lock file ${path}; another process keeps replacing it.`,
        {
          data: { dataDir, lockFile: path },
        },
      );
}
