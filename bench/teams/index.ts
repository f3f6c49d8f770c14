/**
 * `npm run bench:teams` (`npx tsx bench/teams/index.ts`): the recursive team (src/teams/recursive) on the
 * simulated model with fixed latency, on a known tree of 40 subtasks (5 composite phases with a DAG between
 * them, 7 atomic steps each with a seeded DAG; subtask = every node below the root), all in one run:
 *
 * - calibration: lone calls of each role (fixed reply length each), straight to the provider and as kernel
 *   syscalls, on the same simulated model;
 * - the critical-path lower bound: the longest chain of dependent model calls the engine must make one after
 *   another (atomize, plan, execute, aggregate along the chain), each at its measured lone-call latency, plus
 *   the measured kernel overhead per call on the chain;
 * - parallel makespan: `team.run` on a real Kernel with enough slots (kernel and sim), on the in-memory store
 *   and on the SQL store on PGlite (`--reps` runs each);
 * - sequential makespan: the same tree actually run with one slot (kernel slots 1, sim slots 1);
 * - crash: the tree in a child process on PGlite, SIGKILLed mid-tree, resumed here; subtasks that had finished
 *   before the kill and ran again are counted (target 0), and in-flight steps that re-ran apart.
 *
 * Flags: --seed n (1), --slots n (16), --reps n (3), --decode-ms x (1 ms per token), --calibration-rounds n (5),
 * --kill-after n (14 steps), --no-pglite, --no-crash, --quick (1 rep, 3 calibration rounds).
 * The simulated models run in processes of their own. Progress on stderr; tables and the JSON summary (last
 * line) on stdout.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

import { printSummary, printTable } from '../lib/report.js';
import { startSimProcess, type SimProcess, type SimProcessReport } from '../kernel/sim-process.js';
import { crashCase, type CrashFigures } from './crash.js';
import { calibrate, load1, median, progress, round, runTree, type RunFigures } from './harness.js';
import {
  buildTree,
  callCounts,
  describeCall,
  describeTree,
  idealSchedule,
  PHASES,
  REPLY_TOKENS,
  simOptions,
  subtaskCount,
  type Phase,
} from './tree.js';

const { values: flags } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    slots: { type: 'string', default: '16' },
    reps: { type: 'string' },
    'decode-ms': { type: 'string', default: '1' },
    'calibration-rounds': { type: 'string' },
    'kill-after': { type: 'string', default: '14' },
    'no-pglite': { type: 'boolean', default: false },
    'no-crash': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
});
const SEED = Number(flags.seed);
const SLOTS = Number(flags.slots);
const REPS = Number(flags.reps ?? (flags.quick ? 1 : 3));
const DECODE_MS = Number(flags['decode-ms']);
const CALIBRATION_ROUNDS = Number(flags['calibration-rounds'] ?? (flags.quick ? 3 : 5));
const KILL_AFTER = Number(flags['kill-after']);
const TARGET_RATIO = 1.1;

const loadAtStart = load1();
progress(`load average at start: ${loadAtStart} on ${cpus().length} cores`);

// ---- the tree and its ideal schedule ------------------------------------------------------------------

const tree = buildTree(SEED);
const subtasks = subtaskCount(tree);
const counts = callCounts(tree);
const totalCalls = PHASES.reduce((sum, phase) => sum + counts[phase], 0);
const configuredMs = Object.fromEntries(
  PHASES.map((phase) => [phase, REPLY_TOKENS[phase] * DECODE_MS]),
) as Record<Phase, number>;
const configured = idealSchedule(tree, configuredMs);
progress(`tree (seed ${SEED}): ${subtasks} subtasks, ${totalCalls} model calls`);
for (const line of describeTree(tree)) progress(`  ${line}`);
progress(
  `ideal schedule at the configured latencies: ${configured.makespan} ms, ${configured.criticalPath.length} ` +
    `calls on the critical path, at most ${configured.peakConcurrency} calls at once`,
);
if (SLOTS < configured.peakConcurrency)
  throw new Error(`--slots ${SLOTS} is below the widest level (${configured.peakConcurrency} calls at once)`);

// ---- simulated models (own processes) -----------------------------------------------------------------

const resetSim = async (sim: SimProcess): Promise<void> =>
  void (await fetch(`${sim.url.replace(/\/v1$/, '')}/sim/reset`, { method: 'POST' }));
const parallelSim = await startSimProcess(simOptions(tree, SLOTS, DECODE_MS));
const sequentialSim = await startSimProcess(simOptions(tree, 1, DECODE_MS));

interface Measured extends RunFigures {
  simMaxConcurrent: number;
  simMaxQueued: number;
}
async function measured(sim: SimProcess, store: 'memory' | 'pglite', slots: number): Promise<Measured> {
  await resetSim(sim);
  const figures = await runTree(tree, sim.url, { store, slots });
  const stats = await sim.stats();
  progress(
    `${store}, ${slots} slot(s): makespan ${figures.makespanMs} ms, ${figures.maxRunning} calls at once ` +
      `(sim: ${stats.maxConcurrent} at once, ${stats.maxQueued} queued at most), load ${figures.loadAfter}`,
  );
  return { ...figures, simMaxConcurrent: stats.maxConcurrent, simMaxQueued: stats.maxQueued };
}

let simReports: { parallel: SimProcessReport; sequential: SimProcessReport } | undefined;
const parallel: Record<'memory' | 'pglite', Measured[]> = { memory: [], pglite: [] };
let sequential: Measured;
let crash: CrashFigures | undefined;
let calibration: Awaited<ReturnType<typeof calibrate>>;
try {
  progress(`calibration: ${CALIBRATION_ROUNDS} lone calls per role, direct and through the kernel`);
  calibration = await calibrate(tree, parallelSim.url, CALIBRATION_ROUNDS);
  progress(
    `calibration: direct ${JSON.stringify(calibration.directMs)} ms, via kernel ` +
      `${JSON.stringify(calibration.kernelMs)} ms, kernel overhead ${calibration.kernelOverheadMs} ms per call`,
  );
  for (let rep = 1; rep <= REPS; rep++) {
    progress(`parallel run ${rep}/${REPS}`);
    parallel.memory.push(await measured(parallelSim, 'memory', SLOTS));
    if (!flags['no-pglite']) parallel.pglite.push(await measured(parallelSim, 'pglite', SLOTS));
  }
  progress('sequential run (kernel slots 1, sim slots 1)');
  sequential = await measured(sequentialSim, 'memory', 1);
  if (!flags['no-crash'])
    crash = await crashCase(tree, parallelSim.url, { slots: SLOTS, killAfterLeaves: KILL_AFTER });
} finally {
  simReports = { parallel: await parallelSim.stop(), sequential: await sequentialSim.stop() };
}

// ---- the bound --------------------------------------------------------------------------------------

// Each call at its lone latency (direct) plus the kernel's per-call overhead; the longest chain is taken
// again at these durations (it is the same chain unless the roles' measured ratios differ from the script's).
const callMs = Object.fromEntries(
  PHASES.map((phase) => [phase, calibration.directMs[phase] + calibration.kernelOverheadMs]),
) as Record<Phase, number>;
const bound = idealSchedule(tree, callMs);
const chain = bound.criticalPath;
const chainModelMs = chain.reduce((sum, entry) => sum + configuredMs[entry.phase], 0);
const chainDirectMs = chain.reduce((sum, entry) => sum + calibration.directMs[entry.phase], 0);
const chainKernelMs = chain.length * calibration.kernelOverheadMs;
const boundMs = bound.makespan;
const sequentialSumMs = PHASES.reduce((sum, phase) => sum + counts[phase] * callMs[phase], 0);

const medianOf = (runs: Measured[]): number => round(median(runs.map((run) => run.makespanMs)), 1);
const memoryMs = medianOf(parallel.memory);
const pgliteMs = parallel.pglite.length > 0 ? medianOf(parallel.pglite) : undefined;
const sequentialMs = sequential.makespanMs;
const ratio = (ms: number): number => round(ms / boundMs, 3);
const speedup = (ms: number): number => round(sequentialMs / ms, 2);
const reps = (runs: Measured[]): string => runs.map((run) => run.makespanMs.toFixed(0)).join(', ');

printTable(
  `Recursive team, ${subtasks} subtasks (${totalCalls} model calls), seed ${SEED}, ${SLOTS} slots, ` +
    `decode ${DECODE_MS} ms/token; load ${loadAtStart} at start`,
  [
    {
      row: 'critical-path bound (computed)',
      ms: round(boundMs, 1),
      'x bound': 1,
      'speedup vs seq': speedup(boundMs),
      'max at once': '-',
      notes: `${chain.length} calls: model ${chainModelMs} + HTTP ${round(chainDirectMs - chainModelMs, 1)} + kernel ${round(chainKernelMs, 1)} ms`,
    },
    {
      row: 'critical path, model time only (configured)',
      ms: chainModelMs,
      'x bound': ratio(chainModelMs),
      'speedup vs seq': speedup(chainModelMs),
      'max at once': '-',
      notes: "the sim's scripted latencies alone: no HTTP, no kernel",
    },
    {
      row: 'parallel makespan, in-memory store',
      ms: memoryMs,
      'x bound': ratio(memoryMs),
      'speedup vs seq': speedup(memoryMs),
      'max at once': Math.max(...parallel.memory.map((run) => run.maxRunning)),
      notes: `median of ${parallel.memory.length}: ${reps(parallel.memory)} ms`,
    },
    ...(pgliteMs === undefined
      ? []
      : [
          {
            row: 'parallel makespan, SQL store on PGlite',
            ms: pgliteMs,
            'x bound': ratio(pgliteMs),
            'speedup vs seq': speedup(pgliteMs),
            'max at once': Math.max(...parallel.pglite.map((run) => run.maxRunning)),
            notes: `median of ${parallel.pglite.length}: ${reps(parallel.pglite)} ms`,
          },
        ]),
    {
      row: 'sequential makespan (1 slot, measured)',
      ms: sequentialMs,
      'x bound': ratio(sequentialMs),
      'speedup vs seq': 1,
      'max at once': sequential.maxRunning,
      notes: `sum of ${totalCalls} lone calls would be ${round(sequentialSumMs, 0)} ms`,
    },
  ],
);

printTable(
  'Calibration: lone calls per role (median), the bound uses direct + kernel overhead',
  PHASES.map((phase) => ({
    role: phase,
    'reply tokens': REPLY_TOKENS[phase],
    'configured ms': configuredMs[phase],
    'direct ms': calibration.directMs[phase],
    'via kernel ms': calibration.kernelMs[phase],
    'calls in tree': counts[phase],
    'on critical path': chain.filter((entry) => entry.phase === phase).length,
  })),
);

if (crash)
  printTable('Crash: child SIGKILLed mid-tree on PGlite, resumed in the bench process', [
    { figure: 'steps finished when killed (kill trigger)', value: crash.killAfterLeaves },
    {
      figure: 'subtasks done / running / pending in the store at the kill',
      value: `${crash.atKill.done} / ${crash.atKill.running} / ${crash.atKill.pending}`,
    },
    { figure: 'finished before the kill and ran again (target 0)', value: crash.repeatedSubtasks },
    { figure: 'in flight at the kill and re-ran (legitimate)', value: crash.inFlightRerun },
    { figure: 'steps whose executor started twice (both processes)', value: crash.stepsExecutedTwice },
    { figure: 'model calls for already committed phases after resume', value: crash.repeatedCommittedPhases },
    {
      figure: 'model calls before kill / after resume',
      value: `${crash.callsBeforeKill} / ${crash.callsAfterResume} (${totalCalls} in a clean run)`,
    },
    { figure: 'resumed tree', value: `${crash.finalStatus} in ${crash.resumeMs} ms` },
  ]);

console.log(`\nCritical path: ${chain.map(describeCall).join(' ')}`);
console.log(
  `Kernel overhead per call: ${calibration.kernelOverheadMs} ms (calibration: median of via-kernel minus ` +
    `direct over ${calibration.rounds} rounds x 4 roles); the kernel's own CPU per syscall in the parallel ` +
    `runs: ${median(parallel.memory.map((run) => run.kernelCpuMsPerSyscall))} ms.`,
);
const verdict = ratio(memoryMs) <= TARGET_RATIO ? 'met' : 'missed';
console.log(
  `Target makespan <= ${TARGET_RATIO} x bound (in-memory store): ${verdict}; ` +
    `repeated subtasks after crash: ${crash ? crash.repeatedSubtasks : 'not run'}.`,
);

printSummary('teams', {
  makespan_over_critical_path: ratio(memoryMs),
  speedup_vs_sequential: speedup(memoryMs),
  repeated_subtasks_after_crash: crash ? crash.repeatedSubtasks : null,
  makespan_over_critical_path_pglite: pgliteMs === undefined ? null : ratio(pgliteMs),
  speedup_vs_sequential_pglite: pgliteMs === undefined ? null : speedup(pgliteMs),
  in_flight_rerun_after_crash: crash ? crash.inFlightRerun : null,
  makespan_over_model_only_critical_path: round(memoryMs / chainModelMs, 3),
  subtasks,
  subtasksCounted: 'every node below the root: 5 composite phases + 35 atomic steps',
  modelCalls: totalCalls,
  seed: SEED,
  slots: SLOTS,
  widestLevel: configured.peakConcurrency,
  decodeMsPerToken: DECODE_MS,
  replyTokens: REPLY_TOKENS,
  latencyMs: { configured: configuredMs, direct: calibration.directMs, viaKernel: calibration.kernelMs },
  kernelOverheadMsPerCall: calibration.kernelOverheadMs,
  criticalPath: {
    ms: round(boundMs, 1),
    calls: chain.length,
    modelMs: chainModelMs,
    httpMs: round(chainDirectMs - chainModelMs, 1),
    kernelMs: round(chainKernelMs, 1),
  },
  makespanMs: {
    memory: memoryMs,
    memoryReps: parallel.memory.map((run) => run.makespanMs),
    pglite: pgliteMs ?? null,
    pgliteReps: parallel.pglite.map((run) => run.makespanMs),
    sequential: sequentialMs,
    sequentialLoneCallSum: round(sequentialSumMs, 0),
  },
  maxConcurrentCalls: Math.max(...parallel.memory.map((run) => run.maxRunning)),
  kernelCpuMsPerSyscall: median(parallel.memory.map((run) => run.kernelCpuMsPerSyscall)),
  crash: crash ?? null,
  sim: simReports,
  loadavg: { start: loadAtStart, end: load1() },
});
