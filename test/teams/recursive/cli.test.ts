import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../../../src/store/index.js';
import { runRecursiveTeam } from '../../../src/teams/recursive/index.js';
import { cleanEnv } from '../../cli/run-cli.js';
import { ATOMIC_BY_DEFAULT, harness, json, role, type Harness } from './support.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(root, 'test/teams/recursive/fixtures/tasks-cli.ts');
/** tsx by its location: the command runs in a scratch directory, where the bare name would not resolve. */
const TSX = import.meta.resolve('tsx');

function tasks(
  cwd: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'tasks', ...args], {
      cwd,
      env: cleanEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let cwd: string;
let h: Harness;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'hydra-tasks-cli-'));
  h = await harness({
    rules: [
      {
        match: { system: role.atomizer, lastUser: '^Goal: Tidy the garden' },
        reply: json({ atomic: false }),
      },
      ATOMIC_BY_DEFAULT,
      {
        match: { system: role.planner },
        reply: json({
          subtasks: [
            { id: 'weed', goal: 'Pull weeds' },
            { id: 'mow', goal: 'Mow the lawn' },
          ],
        }),
      },
    ],
  });
  // The store `hydra` opens in this directory by default: <cwd>/.hydra/data.
  const store = await openStore({ dataDir: join(cwd, '.hydra', 'data') });
  try {
    await runRecursiveTeam({ kernel: h.kernel, store, goal: 'Tidy the garden', treeId: 'tree-garden' });
  } finally {
    await store.close();
  }
});
afterAll(async () => {
  await h.close();
  await rm(cwd, { recursive: true, force: true });
});

describe('hydra tasks', () => {
  it('lists trees with their progress', async () => {
    const listed = await tasks(cwd, 'list');
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toMatch(
      /^tree-garden {2}done {5}3\/3 done, 0 running, 0 failed .*"Tidy the garden"\n$/,
    );
  });

  it('prints a tree, and --watch returns at once when it has finished', async () => {
    const shown = await tasks(cwd, 'tree', 'tree-garden');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('✓ done  Tidy the garden  (composite, planner+aggregator');
    expect(shown.stdout).toContain('  ✓ done  [weed] Pull weeds  (atomic, llm');
    const watched = await tasks(cwd, 'tree', 'tree-garden', '--watch', '--interval', '50');
    expect(watched.code).toBe(0);
    expect(watched.stdout.trim()).toBe(shown.stdout.trim());
  });

  it('says how to find trees when the id is unknown', async () => {
    const missing = await tasks(cwd, 'tree', 'tree-nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No task tree with id tree-nope; list them with: hydra tasks list');
  });
});
