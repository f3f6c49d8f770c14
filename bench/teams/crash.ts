/**
 * The crash case: a child process runs the tree on a PGlite data directory and is SIGKILLed once
 * `killAfterLeaves` steps have committed their completion; this process then reads what the store holds at
 * the kill, resumes the tree from the same directory, and counts subtasks that ran again.
 *
 * A subtask "ran again" if the resumed process started its executor or made any model call for it. Only
 * subtasks the store had as `done` at the kill count as repeated (target 0); a step that was in flight at the
 * kill legitimately runs again, and is counted apart.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { Kernel } from '../../src/kernel/index.js';
import { openStore } from '../../src/store/index.js';
import { RecursiveTeam, SqlTaskTreeStore, type TaskNodeRecord } from '../../src/teams/recursive/index.js';
import { loggingExecutor, nodeOfAgent, parseLog } from './crash-log.js';
import { CRASH_LEASE_MS, LIMITS, progress, round, simProvider } from './harness.js';
import type { TreeSpec } from './tree.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface CrashFigures {
  killAfterLeaves: number;
  /** What the store held when the child died (subtasks: every node but the root). */
  atKill: { done: number; running: number; pending: number; leavesDone: number; compositesDone: number };
  /** Subtasks done at the kill that the resumed process ran again (executor or any model call). Target 0. */
  repeatedSubtasks: number;
  repeatedIds: string[];
  /** Steps running at the kill whose executor had started before it and started again after: legitimate. */
  inFlightRerun: number;
  inFlightRerunIds: string[];
  /** Steps whose executor started twice or more over both processes. */
  stepsExecutedTwice: number;
  /** Model calls after the resume for a phase already committed (an atomize of a decided node, a re-plan). */
  repeatedCommittedPhases: number;
  /** Model calls in the child before the kill, and in the resumed process. */
  callsBeforeKill: number;
  callsAfterResume: number;
  childMsToKill: number;
  resumeMs: number;
  finalStatus: string;
}

interface ChildRun {
  lines: string[];
  signal: NodeJS.Signals | null;
  ms: number;
}

/** Spawns the child and kills it once `killAfterLeaves` steps are finished. */
function runChild(job: object, killAfterLeaves: number): Promise<ChildRun> {
  const begin = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)], {
    cwd: ROOT_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let leaves = 0;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    // A step is two levels down: `finished root/<phase>/<step>`.
    if (line.startsWith('finished ') && line.split('/').length === 3 && ++leaves === killAfterLeaves)
      child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`crash child ended with ${code} (not killed): ${stderr.slice(-2000)}`));
      else resolve({ lines, signal, ms: performance.now() - begin });
    });
  });
}

export async function crashCase(
  tree: TreeSpec,
  url: string,
  options: { slots: number; killAfterLeaves: number },
): Promise<CrashFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hydra-bench-teams-crash-'));
  const treeId = 'bench-teams-crash';
  try {
    progress(`crash: child runs the tree on PGlite, SIGKILL after ${options.killAfterLeaves} steps finished`);
    const child = await runChild(
      { dataDir, url, treeId, seed: tree.seed, slots: options.slots },
      options.killAfterLeaves,
    );
    const before = parseLog(child.lines);
    const store = await openStore({ dataDir }); // takes over the dead child's lock
    try {
      const tasks = await SqlTaskTreeStore.open(store);
      const atKill = await tasks.getTree(treeId);
      if (!atKill) throw new Error('the child created no tree before the kill');
      const subtasks = atKill.nodes.filter((node) => node.parentId !== null);
      const withStatus = (status: TaskNodeRecord['status']): TaskNodeRecord[] =>
        subtasks.filter((node) => node.status === status);
      const doneAtKill = withStatus('done');
      const runningAtKill = withStatus('running');
      progress(
        `crash: killed after ${round(child.ms, 0)} ms; store: ${doneAtKill.length} subtasks done, ` +
          `${runningAtKill.length} running; resuming in this process`,
      );

      // The dead child's lease (CRASH_LEASE_MS) must expire before this process may take the tree over.
      const lease = { owner: `bench-teams-resume:${process.pid}`, ttlMs: 30_000 };
      const deadline = Date.now() + 10 * CRASH_LEASE_MS;
      while (!(await tasks.acquireLease(treeId, lease.owner, lease.ttlMs))) {
        if (Date.now() > deadline) throw new Error(`the killed child's lease on ${treeId} never expired`);
        await sleep(50);
      }

      const lines: string[] = [];
      const provider = await simProvider(url);
      const kernel = new Kernel({ backends: [{ provider, slots: options.slots }] });
      kernel.on('syscall-started', ({ syscall }) => {
        if (syscall.type === 'llm') lines.push(`call ${nodeOfAgent(syscall.agentId)}`);
      });
      const team = new RecursiveTeam({
        kernel,
        store: tasks,
        limits: LIMITS,
        executor: loggingExecutor((line) => lines.push(line)),
        owner: lease.owner,
        leaseMs: lease.ttlMs,
      });
      const begin = performance.now();
      const result = await team.resume(treeId).finally(() => kernel.close());
      const resumeMs = performance.now() - begin;
      const after = parseLog(lines);
      if (result.status !== 'done' || result.nodes.some((node) => node.status !== 'done'))
        throw new Error(`the resumed tree ended ${result.status}`);

      const ranAfter = (id: string): boolean =>
        after.execStarts.includes(id) || after.calls.some((call) => call.startsWith(`${id}#`));
      const repeated = doneAtKill.filter((node) => ranAfter(node.id)).map((node) => node.id);
      const inFlightRerun = runningAtKill
        .filter((node) => before.execStarts.includes(node.id) && after.execStarts.includes(node.id))
        .map((node) => node.id);
      const starts = [...before.execStarts, ...after.execStarts];
      const steps = result.nodes.filter((node) => node.depth === 2).map((node) => node.id);
      const missing = steps.filter((id) => !starts.includes(id));
      if (missing.length > 0) throw new Error(`steps never executed: ${missing.join(', ')}`);
      const executedTwice = steps.filter((id) => starts.filter((start) => start === id).length >= 2);
      const decided = new Set(atKill.nodes.filter((node) => node.kind !== null).map((node) => node.id));
      const planned = new Set(atKill.nodes.map((node) => node.parentId).filter((id) => id !== null));
      const repeatedPhases = after.calls.filter((call) => {
        const [node = '', phase] = call.split('#');
        return (phase === 'atomize' && decided.has(node)) || (phase === 'plan' && planned.has(node));
      });
      return {
        killAfterLeaves: options.killAfterLeaves,
        atKill: {
          done: doneAtKill.length,
          running: runningAtKill.length,
          pending: withStatus('pending').length,
          leavesDone: doneAtKill.filter((node) => node.depth === 2).length,
          compositesDone: doneAtKill.filter((node) => node.depth === 1).length,
        },
        repeatedSubtasks: repeated.length,
        repeatedIds: repeated,
        inFlightRerun: inFlightRerun.length,
        inFlightRerunIds: inFlightRerun,
        stepsExecutedTwice: executedTwice.length,
        repeatedCommittedPhases: repeatedPhases.length,
        callsBeforeKill: before.calls.length,
        callsAfterResume: after.calls.length,
        childMsToKill: round(child.ms, 0),
        resumeMs: round(resumeMs, 0),
        finalStatus: result.status,
      };
    } finally {
      await store.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
