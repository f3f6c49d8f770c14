import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { ChatRequest } from '../models/index.js';

/**
 * A paused generation: the request and the text generated so far. Resuming sends the request with the
 * partial text as an assistant prefill, and the model continues it (text-based context snapshot).
 */
export interface GenerationSnapshot {
  syscallId: string;
  agentId: string;
  target: string;
  request: ChatRequest;
  partialText: string;
  /** Tokens already billed, summed over the segments generated so far. */
  promptTokens: number;
  completionTokens: number;
  preemptions: number;
  savedAt: number;
}

/** Where snapshots live so that a restarted process can resume a paused generation. */
export interface SnapshotStore {
  save(snapshot: GenerationSnapshot): Promise<void>;
  load(syscallId: string): Promise<GenerationSnapshot | undefined>;
  delete(syscallId: string): Promise<void>;
  list(): Promise<GenerationSnapshot[]>;
}

export class InMemorySnapshotStore implements SnapshotStore {
  readonly #snapshots = new Map<string, GenerationSnapshot>();

  async save(snapshot: GenerationSnapshot): Promise<void> {
    this.#snapshots.set(snapshot.syscallId, structuredClone(snapshot));
  }
  async load(syscallId: string): Promise<GenerationSnapshot | undefined> {
    const snapshot = this.#snapshots.get(syscallId);
    return snapshot ? structuredClone(snapshot) : undefined;
  }
  async delete(syscallId: string): Promise<void> {
    this.#snapshots.delete(syscallId);
  }
  async list(): Promise<GenerationSnapshot[]> {
    return [...this.#snapshots.values()].map((snapshot) => structuredClone(snapshot));
  }
}

/**
 * One JSON file per snapshot in a directory (by default `.hydra/snapshots`). Writes go to a temporary file
 * that is renamed into place, so a crash mid-write leaves the previous snapshot intact.
 */
export class FileSnapshotStore implements SnapshotStore {
  readonly #directory: string;

  constructor(directory: string) {
    this.#directory = directory;
  }

  async save(snapshot: GenerationSnapshot): Promise<void> {
    await mkdir(this.#directory, { recursive: true });
    const path = this.#path(snapshot.syscallId);
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(snapshot));
    await rename(temporary, path);
  }

  async load(syscallId: string): Promise<GenerationSnapshot | undefined> {
    try {
      return JSON.parse(await readFile(this.#path(syscallId), 'utf8')) as GenerationSnapshot;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(syscallId: string): Promise<void> {
    await rm(this.#path(syscallId), { force: true });
  }

  async list(): Promise<GenerationSnapshot[]> {
    let names: string[];
    try {
      names = await readdir(this.#directory);
    } catch {
      return [];
    }
    const snapshots = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .map((name) => this.load(decodeURIComponent(name.slice(0, -'.json'.length)))),
    );
    return snapshots.filter((snapshot): snapshot is GenerationSnapshot => snapshot !== undefined);
  }

  #path(syscallId: string): string {
    return join(this.#directory, `${encodeURIComponent(syscallId)}.json`);
  }
}
