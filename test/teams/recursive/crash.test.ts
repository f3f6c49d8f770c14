/**
 * Crash and resume: a child process runs a task tree (root → chain a → b → c → d) on a PGlite data directory
 * and is SIGKILLed once b's completion is committed; the test process then resumes the tree from the same
 * directory and checks that no finished node ran again (no model call of theirs, no second plan), the node in
 * flight re-ran, and the tree finished. The killed child's lease on the tree must expire first: until then a
 * resume is refused with `lease_held`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../../../src/store/index.js';
import { SqlTaskTreeStore } from '../../../src/teams/recursive/index.js';
import { SimModelServer } from '../../../src/testing/index.js';
import { CRASH_SIM } from './fixtures/crash-rules.js';
import { harness, takeOver } from './support.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CHILD = join(root, 'test/teams/recursive/fixtures/crash-tree.ts');
const scratch = mkdtempSync(join(tmpdir(), 'hydra-tree-crash-'));
let sim: SimModelServer;
beforeAll(async () => {
  sim = new SimModelServer(CRASH_SIM);
  await sim.start(0);
});
afterAll(async () => {
  await sim.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const readLog = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
    : [];

/** The node of a logged call: `call <tree>/<node>#<phase>` → `<node>#<phase>`. */
const callsIn = (lines: string[]): string[] =>
  lines.filter((line) => line.startsWith('call ')).map((line) => line.slice(line.indexOf('/') + 1));

describe('recursive team: crash and resume', () => {
  it('resumes a tree killed mid-run without re-running finished nodes', async () => {
    const dataDir = join(scratch, 'data');
    const logFile = join(scratch, 'log');
    const treeId = 'tree-crash';
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, sim.baseUrl, treeId, logFile], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      child.on('close', (_code, signal) => done(signal)),
    );
    let gone = false;
    void exited.then(() => (gone = true));
    // Kill as soon as b's completion is committed (c is then starting: in flight).
    while (!gone && !readLog(logFile).includes('finished root/b')) await sleep(2);
    child.kill('SIGKILL');
    expect(await exited, output).toBe('SIGKILL');
    expect(output).not.toContain('done');

    const before = callsIn(readLog(logFile));
    const store = await openStore({ dataDir }); // takes over the dead child's lock
    try {
      const tasks = await SqlTaskTreeStore.open(store);
      const atKill = await tasks.getTree(treeId);
      const statusAtKill = Object.fromEntries(atKill?.nodes.map((node) => [node.id, node.status]) ?? []);
      expect(statusAtKill).toMatchObject({ root: 'running', 'root/a': 'done', 'root/b': 'done' });
      expect(['pending', 'running']).toContain(statusAtKill['root/c']);
      expect(statusAtKill['root/d']).toBe('pending');
      const finishedAtKill = Object.keys(statusAtKill).filter((id) => statusAtKill[id] === 'done');

      const h = await harness(CRASH_SIM, { server: sim, store: tasks });
      try {
        // The dead child's lease still holds unless the store took longer than the lease to open.
        const { rows } = await store.query<{ held: boolean }>(
          `select lease_owner like 'crash-tree:%' and lease_expires > now() + interval '300 milliseconds' as held
           from task_trees where id = $1`,
          [treeId],
        );
        if (rows[0]?.held) {
          const refused: unknown = await h.team.resume(treeId).catch((error: unknown) => error);
          expect(refused).toMatchObject({ code: 'lease_held' });
          expect(h.calls).toEqual([]);
        }
        await takeOver(tasks, treeId, h.team);
        const result = await h.team.resume(treeId);
        expect(result).toMatchObject({ status: 'done', result: 'the chain is built' });
        expect(result.nodes.every((node) => node.status === 'done')).toBe(true);
        const after = h.calls.map((agentId) => agentId.slice(agentId.indexOf('/') + 1));
        // Nothing a finished node did is done again; the root's decision and plan are not redone either.
        for (const id of finishedAtKill)
          expect(after.filter((call) => call.startsWith(`${id}#`))).toEqual([]);
        expect(after).not.toContain('root#atomize');
        expect(after).not.toContain('root#plan');
        expect(h.events[0]).toMatchObject({ type: 'tree-started', resumed: true });
        // Every leaf executed exactly once overall, except one in flight at the kill (then at most twice).
        const executions = (id: string): number =>
          [...before, ...after].filter((call) => call === `${id}#execute`).length;
        expect(executions('root/a')).toBe(1);
        expect(executions('root/b')).toBe(1);
        expect(executions('root/c')).toBeGreaterThanOrEqual(1);
        expect(executions('root/c')).toBeLessThanOrEqual(2);
        expect(executions('root/d')).toBe(1);
        // The root continued its attempt instead of starting another.
        expect(result.nodes.find((node) => node.id === 'root')?.attempts).toBe(1);
      } finally {
        await h.close();
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
