/**
 * Crash tests of the durable workflow engine: a worker process (fixtures/crash-worker.ts) runs a 30-step
 * workflow (fixtures/crash-graph.ts: a chain with a counter, a fan-out/fan-in, a router loop) and is
 * SIGKILLed at random moments, started again, killed again, … until the run completes. For random kill
 * moments (fast-check), the properties are:
 *
 *  - the final state and the committed history equal those of an uninterrupted run (in memory);
 *  - every step is committed exactly once, with exactly one write per task: nothing lost, nothing doubled;
 *  - no task of a committed step executes again: every execution in the workers' fsync'd execution log is
 *    of the step right after the last one known committed at that moment, and a task executes more than
 *    once only when each worker that executed it before was killed before committing its step;
 *  - a commit that returned is seen by the next worker (its head at start ≥ every commit logged before);
 *  - PGlite: the lock file a killed worker leaves in the data directory is taken over by the next one.
 *
 * And two workers racing for one run: one runs it at a time, it completes once, no task runs in both; and
 * when the one running it is killed, the other takes over (data directory lock, lease) and finishes it.
 * Runs on PGlite, and on PostgreSQL too when DATABASE_URL is set (in a throwaway schema).
 * HYDRA_CRASH_SEED=<n> replays fast-check's choices of a failed run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../../src/store/index.js';
import {
  InMemoryWorkflowStore,
  SqlWorkflowStore,
  WorkflowEngine,
  type StepRecord,
  type TaskWrite,
} from '../../src/workflows/index.js';
import { CRASH_GRAPH, CRASH_INPUT, CRASH_STEPS, crashGraph } from './fixtures/crash-graph.js';
import {
  expectFinished,
  knownHead,
  readLog,
  startWorker,
  type LogEntry,
  type Target,
  type Worker,
} from './fixtures/crash-harness.js';

const LOCK_FILE = 'hydra-store.lock';
const scratch = mkdtempSync(join(tmpdir(), 'hydra-wf-crash-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The workers' lease: short, so a restarted worker takes over a killed one's run soon. */
const LEASE_MS = 500;
/**
 * The lease when two live workers race on PostgreSQL, where only the lease keeps them apart: long enough
 * that a worker slowed down by a busy machine still renews it in time (see the report on lease fencing).
 */
const RACE_LEASE_MS = 2_000;

// ---- killing ------------------------------------------------------------------------------------------

/**
 * When a kill lands. Mostly during the run's steps: once the worker has started executing the step
 * `fraction` of the way from the step after the head it found to the last step, plus `jitterMs` (so kills
 * hit tasks, commits and the gaps between them). Keyed to the worker's progress in the log rather than to
 * wall time, so a slow or busy machine moves the kills with the steps. Sometimes `ms` after spawning, or as
 * soon as it holds the lease if that comes first: in the worker's startup (loading, opening the store,
 * creating or recovering the run, waiting for the dead worker's lease).
 */
type Kill = { from: 'running'; fraction: number; jitterMs: number } | { from: 'spawn'; ms: number };

const killArbitrary: fc.Arbitrary<Kill> = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.record({
      from: fc.constant('running' as const),
      // (not fc.double, which favours values next to 0 and to the bounds)
      fraction: fc.integer({ min: 0, max: 90 }).map((percent) => percent / 100),
      jitterMs: fc.integer({ min: 0, max: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ from: fc.constant('spawn' as const), ms: fc.integer({ min: 100, max: 1_200 }) }),
  },
);

/** The step a `running` kill waits for: `fraction` of the way from the step after `head` to the last. */
const killStep = (head: number, fraction: number): number =>
  head + 1 + Math.floor(fraction * (CRASH_STEPS - head - 1));

/** Resolves once `pid` has logged the execution of a task of step `step` or later. */
async function reached(logFile: string, pid: number, step: number, exited: () => boolean): Promise<void> {
  while (!exited()) {
    if (readLog(logFile).some((entry) => entry.kind === 'exec' && entry.pid === pid && entry.step >= step))
      return;
    await sleep(2);
  }
}

interface CrashRun {
  kills: number;
  killedPids: Set<number>;
  spawns: number;
  ms: number;
}

/**
 * Starts the worker and SIGKILLs it as `kills[i]` says, again and again until the kills are used up; then
 * lets the last worker finish. A worker that finishes before its kill ends the run early.
 */
async function crashUntilDone(
  target: Target,
  runId: string,
  logFile: string,
  kills: Kill[],
): Promise<CrashRun> {
  const started = performance.now();
  const run: CrashRun = { kills: 0, killedPids: new Set(), spawns: 0, ms: 0 };
  for (let i = 0; ; i++) {
    const entries = readLog(logFile);
    const head = knownHead(entries);
    const worker = startWorker(target, runId, logFile);
    run.spawns++;
    let exited = false;
    void worker.exit.then(() => (exited = true));
    const kill = kills[i];
    const outcome =
      kill === undefined
        ? 'exited'
        : await Promise.race([
            (kill.from === 'running'
              ? worker.running
                  .then(() => reached(logFile, worker.pid, killStep(head, kill.fraction), () => exited))
                  .then(() => sleep(kill.jitterMs))
              : Promise.race([sleep(kill.ms), worker.running])
            ) // still in its startup
              .then(() => 'kill' as const),
            worker.exit.then(() => 'exited' as const),
          ]);
    if (outcome === 'kill') worker.kill();
    const exit = await worker.exit;
    if (process.env['CRASH_DEBUG'])
      console.info(
        'DEBUG',
        JSON.stringify({
          i,
          head,
          kill,
          outcome,
          signal: exit.signal,
          after: knownHead(readLog(logFile)),
        }),
      );
    if (exit.signal === 'SIGKILL' && !exit.stdout.includes('done')) {
      run.kills++;
      run.killedPids.add(worker.pid);
      if (target.pglite && exit.stdout.startsWith('ready')) {
        // It could not release its lock on the data directory: the next worker must take that over.
        const lock = JSON.parse(readFileSync(join(target.dataDir, LOCK_FILE), 'utf8')) as { pid: number };
        expect(lock.pid).toBe(worker.pid);
      }
      continue;
    }
    expectFinished(exit, `worker ${i}`);
    break;
  }
  run.ms = performance.now() - started;
  return run;
}

// ---- what the run must look like ----------------------------------------------------------------------

type StoredStep = Omit<StepRecord, 'committedAt' | 'snapshot'> & { writes: TaskWrite[] };

/**
 * Steps as the history a run must match: where snapshots fall is a storage detail (a resumed run places
 * them from where it resumed), so they are compared through the state at every step instead.
 */
const history = (steps: Array<StepRecord & { writes: TaskWrite[] }>): StoredStep[] =>
  steps.map(({ committedAt: _committedAt, snapshot: _snapshot, ...step }) => step);

/** The uninterrupted run, in memory: its history and the state after each step. */
let expected: {
  state: Record<string, unknown>;
  steps: StoredStep[];
  states: Array<Record<string, unknown>>;
  tasks: number;
};

beforeAll(async () => {
  const store = new InMemoryWorkflowStore();
  const engine = new WorkflowEngine({ store });
  engine.register(crashGraph({ onExecute: () => undefined, workMs: () => 0 }));
  const result = await engine.run(CRASH_GRAPH, CRASH_INPUT, { runId: 'uninterrupted' });
  expect(result.status).toBe('done');
  const steps = history(await store.loadSteps('uninterrupted', 0));
  expect(steps.map((step) => step.step)).toEqual(Array.from({ length: CRASH_STEPS + 1 }, (_, i) => i));
  const states = await Promise.all(steps.map((step) => engine.stateAt('uninterrupted', step.step)));
  expected = {
    state: result.state,
    steps,
    states,
    tasks: steps.reduce((n, step) => n + step.tasks.length, 0),
  };
});

/** The store's view of the run equals the uninterrupted one: status, steps, writes, state. */
async function checkStore(target: Target, runId: string): Promise<void> {
  const store = await target.open();
  try {
    const workflows = await SqlWorkflowStore.open(store);
    const engine = new WorkflowEngine({ store: workflows });
    engine.register(crashGraph({ onExecute: () => undefined, workMs: () => 0 }));
    expect(await engine.getRun(runId)).toMatchObject({ status: 'done', head: CRASH_STEPS, error: null });
    const steps = history(await workflows.loadSteps(runId, 0));
    // Each step once, in order, with one write per task (nothing lost, nothing doubled), as uninterrupted.
    expect(steps.map((step) => step.step)).toEqual(expected.steps.map((step) => step.step));
    for (const step of steps)
      expect(step.writes.map((write) => write.taskId).sort()).toEqual(
        step.tasks.map((task) => task.id).sort(),
      );
    expect(steps).toEqual(expected.steps);
    expect(await engine.stateAt(runId)).toEqual(expected.state);
    for (const step of steps)
      expect(await engine.stateAt(runId, step.step)).toEqual(expected.states[step.step]);
    expect(await workflows.pendingWrites(runId, CRASH_STEPS + 1)).toEqual([]);
  } finally {
    await store.close();
  }
}

/** Where each killed worker was when it died, by its last log entry. */
interface KilledIn {
  /** Opening the store or the run (no task started yet): count. */
  startup: number;
  /** Steps whose tasks were running. */
  task: number[];
  /** Steps being committed (commitStep called, not returned). */
  commit: number[];
  /** Steps just committed (the next step's tasks not started). */
  afterCommit: number[];
}

/**
 * Checks the execution log against the committed history: every execution is of the step right after the
 * last one known committed (so no committed step ran again), and repeats come only from killed workers.
 */
function checkLog(
  entries: LogEntry[],
  killedPids: ReadonlySet<number>,
): { repeatedTasks: number; killedIn: KilledIn } {
  const stepOfTask = new Map(
    expected.steps.flatMap((step) => step.tasks.map((task) => [task.id, step.step] as const)),
  );
  let known = 0; // step 0 (the run's creation) precedes every execution
  let inDoubt = -1; // a step whose commit a killed worker started and never logged as returned
  const executors = new Map<string, number[]>(); // task → the workers that executed it, in order
  const last = new Map<number, LogEntry>(); // worker → its last entry
  for (const [index, entry] of entries.entries()) {
    const at = `log entry ${index} ${JSON.stringify(entry)}`;
    last.set(entry.pid, entry);
    if (entry.kind === 'ready') {
      // A commit that returned (and was logged) survived the kill: the next worker sees it.
      if (entry.head >= 0)
        expect(entry.head, `${at}: a logged commit was lost`).toBeGreaterThanOrEqual(known);
      known = Math.max(known, entry.head);
    } else if (entry.kind === 'committing') {
      expect(entry.step, `${at}: commits the step after the head`).toBe(known + 1);
      // Killed between the commit and its log line, the commit may have landed: the next execution tells.
      if (killedPids.has(entry.pid)) inDoubt = entry.step;
    } else if (entry.kind === 'commit') {
      expect(entry.step, `${at}: commits go one step at a time`).toBe(known + 1);
      known = entry.step;
    } else if (entry.kind === 'exec') {
      if (inDoubt === known + 1 && entry.step === inDoubt + 1) known = inDoubt;
      expect(stepOfTask.get(entry.taskId), `${at}: not a task of the committed history`).toBe(entry.step);
      expect(entry.step, `${at}: executes a step other than the one after the last commit`).toBe(known + 1);
      const pids = executors.get(entry.taskId) ?? [];
      expect(pids, `${at}: executed twice by one worker`).not.toContain(entry.pid);
      for (const pid of pids)
        expect(killedPids.has(pid), `${at}: executed again, but worker ${pid} was not killed`).toBe(true);
      executors.set(entry.taskId, [...pids, entry.pid]);
    }
  }
  for (const taskId of stepOfTask.keys()) expect(executors.has(taskId), `${taskId} never ran`).toBe(true);
  expect(known).toBe(CRASH_STEPS);
  const killedIn: KilledIn = { startup: 0, task: [], commit: [], afterCommit: [] };
  for (const pid of killedPids) {
    const entry = last.get(pid);
    if (entry?.kind === 'exec') killedIn.task.push(entry.step);
    else if (entry?.kind === 'committing') killedIn.commit.push(entry.step);
    else if (entry?.kind === 'commit') killedIn.afterCommit.push(entry.step);
    else killedIn.startup++;
  }
  const repeatedTasks = [...executors.values()].filter((pids) => pids.length > 1).length;
  return { repeatedTasks, killedIn };
}

// ---- targets ------------------------------------------------------------------------------------------

interface Plan {
  target: Target;
  /** Runs (fast-check's numRuns) and kills per run. */
  runs: number;
  kills: number;
  dispose?: () => Promise<void>;
}

const plans: Plan[] = [
  {
    target: {
      name: 'PGlite',
      dataDir: join(scratch, 'pglite'), // one data directory for all runs: initdb (~2 s) once
      args: ['--lease', String(LEASE_MS)],
      env: process.env,
      pglite: true,
      open: () => openStore({ dataDir: join(scratch, 'pglite') }),
    },
    runs: 4,
    kills: 6,
  },
];
const { DATABASE_URL } = process.env;
if (DATABASE_URL) {
  const schema = `hydra_wf_crash_${randomBytes(4).toString('hex')}`;
  plans.push({
    target: {
      name: 'PostgreSQL',
      dataDir: '-',
      args: ['--lease', String(LEASE_MS), '--pg', schema],
      env: { ...process.env, DATABASE_URL },
      pglite: false,
      open: () => openStore({ databaseUrl: DATABASE_URL, schema }),
    },
    runs: 2,
    kills: 5,
    async dispose() {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
    },
  });
} else {
  console.warn('workflow crash tests on PostgreSQL — skipped: DATABASE_URL not set (npm run services:start)');
}

let runs = 0;
const newRun = (): { runId: string; logFile: string } => {
  runs++;
  return { runId: `crash-${runs}`, logFile: join(scratch, `crash-${runs}.log`) };
};

const seed = process.env['HYDRA_CRASH_SEED'] ? Number(process.env['HYDRA_CRASH_SEED']) : undefined;

for (const plan of plans) {
  const { target } = plan;
  describe(`workflow crash recovery on ${target.name}`, () => {
    if (plan.dispose) afterAll(plan.dispose);

    it(`kill -9 at random moments and resume: nothing lost, no completed step repeated (${plan.runs} runs × ${plan.kills} kills)`, async () => {
      const totals = { kills: 0, spawns: 0, executions: 0, repeatedTasks: 0, ms: 0 };
      const killedIn: KilledIn = { startup: 0, task: [], commit: [], afterCommit: [] };
      await fc.assert(
        fc.asyncProperty(
          fc.array(killArbitrary, { minLength: plan.kills, maxLength: plan.kills }),
          async (kills) => {
            const { runId, logFile } = newRun();
            const run = await crashUntilDone(target, runId, logFile, kills);
            await checkStore(target, runId);
            const entries = readLog(logFile);
            const stats = checkLog(entries, run.killedPids);
            totals.kills += run.kills;
            totals.spawns += run.spawns;
            totals.executions += entries.filter((entry) => entry.kind === 'exec').length;
            totals.repeatedTasks += stats.repeatedTasks;
            totals.ms += run.ms;
            killedIn.startup += stats.killedIn.startup;
            killedIn.task.push(...stats.killedIn.task);
            killedIn.commit.push(...stats.killedIn.commit);
            killedIn.afterCommit.push(...stats.killedIn.afterCommit);
          },
        ),
        { numRuns: plan.runs, endOnFailure: true, ...(seed === undefined ? {} : { seed }) },
      );
      const sorted = (steps: number[]): number[] => [...steps].sort((a, b) => a - b);
      console.info(
        `crash recovery on ${target.name}: ${JSON.stringify({
          ...totals,
          ms: Math.round(totals.ms),
          killedIn: { ...killedIn, task: sorted(killedIn.task), commit: sorted(killedIn.commit) },
        })}`,
      );
      // Kills come before the estimated end of the run, so nearly all of them hit a live worker.
      expect(totals.kills).toBeGreaterThanOrEqual(plan.runs * plan.kills - 2);
      expect(killedIn.task.length + killedIn.commit.length).toBeGreaterThan(0);
    }, 120_000);

    it('two workers racing for one run: one runs it at a time, it completes once, no task runs in both', async () => {
      const { runId, logFile } = newRun();
      // PGlite: the loser cannot open the data directory while the winner has it, so it waits for it.
      // PostgreSQL: both open the store and the run; the lease keeps them apart.
      const extra = target.pglite ? ['--wait-lock', '30000'] : ['--lease', String(RACE_LEASE_MS)];
      const workers = [
        startWorker(target, runId, logFile, extra),
        startWorker(target, runId, logFile, extra),
      ];
      const exits = await Promise.all(workers.map((worker) => worker.exit));
      exits.forEach((exit, i) => expectFinished(exit, `worker ${i}`));
      await checkStore(target, runId);
      const entries = readLog(logFile);
      checkLog(entries, new Set());
      const executions = entries.filter((entry) => entry.kind === 'exec');
      expect(executions).toHaveLength(expected.tasks); // each task once
      const executors = new Set(executions.map((entry) => entry.pid));
      expect(executors.size).toBe(1);
      const loser = workers.map((worker) => worker.pid).find((pid) => !executors.has(pid));
      // The loser never held the lease; on PGlite it opened the store only once the run was done.
      expect(entries.some((entry) => entry.kind === 'lease' && entry.won && entry.pid === loser)).toBe(false);
      if (target.pglite) {
        const ready = entries.find((entry) => entry.kind === 'ready' && entry.pid === loser);
        expect(ready).toMatchObject({ head: CRASH_STEPS, status: 'done' });
      }
    }, 60_000);

    it('two workers racing, the winner killed mid-run: the other takes over (lock, lease) and finishes', async () => {
      const { runId, logFile } = newRun();
      const extra = target.pglite ? ['--wait-lock', '30000'] : ['--lease', String(RACE_LEASE_MS)];
      const workers = [
        startWorker(target, runId, logFile, extra),
        startWorker(target, runId, logFile, extra),
      ];
      // The winner is the first to execute a task: kill it a few steps in.
      let winner: Worker | undefined;
      for (const deadline = Date.now() + 20_000; !winner && Date.now() < deadline;) {
        await sleep(10);
        const first = readLog(logFile).find((entry) => entry.kind === 'exec');
        winner = workers.find((worker) => worker.pid === first?.pid);
      }
      if (!winner) throw new Error(`no worker started the run: ${readFileSync(logFile, 'utf8')}`);
      await sleep(150);
      winner.kill();
      const other = workers.find((worker) => worker !== winner) as Worker;
      const [winnerExit, otherExit] = await Promise.all([winner.exit, other.exit]);
      expect(winnerExit.signal).toBe('SIGKILL');
      expectFinished(otherExit, 'the other worker');
      await checkStore(target, runId);
      const entries = readLog(logFile);
      checkLog(entries, new Set([winner.pid]));
      // One at a time: all the winner's executions come before all of the other's.
      const order = entries.flatMap((entry) => (entry.kind === 'exec' ? [entry.pid] : []));
      expect(order.filter((pid, i) => i > 0 && pid !== order[i - 1])).toEqual([other.pid]);
    }, 60_000);
  });
}
