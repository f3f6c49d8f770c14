/**
 * `npm run bench:kernel`: N agents through Hydra's kernel vs. calling the model directly vs. an
 * AIOS-faithful FIFO scheduler, on the simulated model in its own process (AIOS, arXiv 2403.16971, reports
 * up to 2.1x faster agent execution with 250 concurrent agents through its kernel).
 *
 * Flags: --quick (N=50,250, 1 seed), --seeds k (default 3; N=1000 runs 1 unless --seeds is given),
 * --queue-seeds k (default 1), --n 50,250,1000, --arms direct,aios-fifo,hydra-las,...
 * Progress goes to stderr; tables, one `kernel-config` JSON line per configuration, and the `kernel`
 * summary line (last) go to stdout.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { printSummary, printTable } from '../lib/report.js';
import { aiosFifoArm } from './arms/aios-fifo.js';
import { directArm } from './arms/direct.js';
import { HYDRA_POLICIES, hydraArm, type HydraSettings } from './arms/hydra.js';
import {
  configJson,
  summariseConfig,
  summariseRun,
  tableRow,
  type ConfigSummary,
  type Overflow,
  type RunResult,
} from './metrics.js';
import { startSimProcess } from './sim-process.js';
import {
  buildWorkload,
  cappedLognormalMean,
  newCounters,
  PromptMeter,
  runProgram,
  type Arm,
  type Workload,
} from './workload.js';
import { reportTargets } from './targets.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seeds: { type: 'string' },
    n: { type: 'string' },
    arms: { type: 'string' },
    /** Seeds of the overflow 'queue' table (N=250); 0 skips it. */
    'queue-seeds': { type: 'string' },
    /** Multiplies the simulator's per-token latencies (time-scale sensitivity). */
    'latency-scale': { type: 'string', default: '1' },
    /** Time slices per policy in ms, e.g. `round-robin=50,priority=50` (default: none). */
    'time-slice': { type: 'string', default: '' },
  },
});
const scale = Number(flags['latency-scale']);
const SIM = {
  slots: 4,
  contextWindow: 8192,
  retryAfterSeconds: 1,
  latency: { prefillMsPerToken: 0.005 * scale, decodeMsPerToken: 0.25 * scale },
  replyTokens: { distribution: 'lognormal', median: 60, p99: 600, max: 1000 },
} as const;

const slices = new Map(
  flags['time-slice']
    .split(',')
    .filter((entry) => entry.includes('='))
    .map((entry) => [entry.split('=')[0] ?? '', Number(entry.split('=')[1])] as const),
);
/** Hydra's scheduler settings per policy (a time slice only where it helps; see BENCHMARKS.md). */
const HYDRA: Record<string, Omit<HydraSettings, 'slots' | 'contextWindow'>> = Object.fromEntries(
  HYDRA_POLICIES.map((policy) => {
    const timeSliceMs = slices.get(policy);
    return [`hydra-${policy}`, timeSliceMs ? { policy, timeSliceMs } : { policy }];
  }),
);
const ARMS = ['direct', 'aios-fifo', ...Object.keys(HYDRA)];

const ns = (flags.n ?? (flags.quick ? '50,250' : '50,250,1000')).split(',').map(Number);
const seedCount = Number(flags.seeds ?? (flags.quick ? 1 : 3));
const seeds = Array.from({ length: seedCount }, (_, index) => index + 1);
const queueSeeds = Array.from({ length: Number(flags['queue-seeds'] ?? 1) }, (_, index) => index + 1);
const arms = flags.arms ? flags.arms.split(',') : ARMS;
for (const arm of arms)
  if (!ARMS.includes(arm)) throw new Error(`unknown arm ${arm}; arms: ${ARMS.join(', ')}`);

const benchStart = performance.now();
const elapsed = (): string => `${((performance.now() - benchStart) / 1000).toFixed(0)}s`;
const progress = (line: string): void => void process.stderr.write(`[bench:kernel ${elapsed()}] ${line}\n`);
const meter = new PromptMeter();
const meanReplyTokens = cappedLognormalMean(SIM.replyTokens.median, SIM.replyTokens.p99, 512);

const workloads = new Map<string, Workload>();
function workloadFor(n: number, seed: number): Workload {
  const key = `${n}/${seed}`;
  let workload = workloads.get(key);
  if (!workload) {
    workload = buildWorkload({ n, seed, ...SIM.latency, slots: SIM.slots, meanReplyTokens });
    // Count the fixed messages once, outside every timed run, so failure accounting costs all arms alike.
    for (const agent of workload.agents) {
      meter.message(agent.system);
      meter.message(agent.task);
      for (const turn of agent.turns) if (turn.observation) meter.message(turn.observation);
    }
    workloads.set(key, workload);
  }
  return workload;
}

async function makeArm(
  name: string,
  url: string,
  seed: number,
  counters: ReturnType<typeof newCounters>,
): Promise<Arm> {
  if (name === 'direct') return directArm(url, counters, meter, seed);
  if (name === 'aios-fifo') return aiosFifoArm(url, counters, meter, seed);
  const settings = HYDRA[name];
  if (!settings) throw new Error(`unknown arm ${name}`);
  return hydraArm(url, counters, meter, { ...settings, slots: SIM.slots, contextWindow: SIM.contextWindow });
}

/** Wall-clock seconds each arm took (sim start to sim stop), to show where the benchmark's time goes. */
const secondsByArm: Record<string, number> = {};

async function runOnce(name: string, n: number, seed: number, overflow: Overflow): Promise<RunResult> {
  const began = performance.now();
  const workload = workloadFor(n, seed);
  const sim = await startSimProcess({ ...SIM, seed, overflow });
  const counters = newCounters();
  const arm = await makeArm(name, sim.url, seed, counters);
  progress(`${overflow} N=${n} seed=${seed} ${name}: running (${workload.steps} steps)`);
  const cpuStart = process.cpuUsage();
  const startedAt = performance.now();
  const programs = await Promise.all(
    workload.agents.map((agent) => runProgram(agent, arm, counters, startedAt)),
  );
  const makespanMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuStart);
  const extras = await arm.finish();
  const server = await sim.stats();
  const simReport = await sim.stop();
  secondsByArm[name] = Math.round((secondsByArm[name] ?? 0) + (performance.now() - began) / 1000);
  const failed = programs.find((program) => !program.ok);
  if (failed) progress(`  ${counters.failedPrograms} programs failed, e.g.: ${failed.error ?? '?'}`);
  const result = summariseRun({
    arm: name,
    n,
    seed,
    overflow,
    slots: SIM.slots,
    makespanMs,
    programs,
    counters,
    server,
    sim: simReport,
    harnessCpuMs: (cpu.user + cpu.system) / 1000,
    extras,
  });
  progress(
    `  done: makespan ${(makespanMs / 1000).toFixed(1)}s, ${result.throughput.toFixed(1)} steps/s, ` +
      `slots ${(result.slotUtilisation * 100).toFixed(0)}%, short p99 ${(result.shortP99Ms / 1000).toFixed(2)}s`,
  );
  return result;
}

async function runMatrix(
  overflow: Overflow,
  nList: number[],
  armList: string[],
  seedList: number[],
): Promise<ConfigSummary[]> {
  const summaries: ConfigSummary[] = [];
  for (const n of nList) {
    const runs = new Map<string, RunResult[]>();
    // N=1000 costs as much as the rest together: one seed unless --seeds asks for more.
    const nSeeds = n >= 1000 && flags.seeds === undefined ? seedList.slice(0, 1) : seedList;
    for (const seed of nSeeds) {
      for (const name of armList) {
        const run = await runOnce(name, n, seed, overflow);
        runs.set(name, [...(runs.get(name) ?? []), run]);
      }
    }
    const perN = armList.map((name) => summariseConfig(runs.get(name) ?? []));
    printTable(
      `N=${n} agents, overflow '${overflow}', ${nSeeds.length} seed(s) (mean±half-range)`,
      perN.map(tableRow),
    );
    summaries.push(...perN);
  }
  return summaries;
}

/** A short hash of the kernel's and the simulator's sources, to tie the figures to the code measured. */
function sourceFingerprint(): string {
  const hash = createHash('sha256');
  const root = fileURLToPath(new URL('../../', import.meta.url));
  for (const dir of ['src/kernel', 'src/testing/sim-model', 'src/models'].map((path) => join(root, path))) {
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
      if (file.endsWith('.ts')) hash.update(`${file}\0${readFileSync(join(dir, file), 'utf8')}`);
    }
  }
  return hash.digest('hex').slice(0, 12);
}

console.log(
  `bench:kernel: sources ${sourceFingerprint()}; sim slots ${SIM.slots}, window ${SIM.contextWindow}, prefill ${SIM.latency.prefillMsPerToken} ms/token, ` +
    `decode ${SIM.latency.decodeMsPerToken} ms/token, replies lognormal median ${SIM.replyTokens.median} p99 ` +
    `${SIM.replyTokens.p99} max ${SIM.replyTokens.max}; N ${ns.join(',')}; seeds ${seeds.join(',')}; ` +
    `Hydra settings ${JSON.stringify(HYDRA)}`,
);
const main = await runMatrix('reject', ns, arms, seeds);
const queue =
  queueSeeds.length === 0 || !ns.includes(250) ? [] : await runMatrix('queue', [250], arms, queueSeeds);
for (const summary of [...main, ...queue]) console.log(configJson(summary));
const settings = { ...SIM, hydra: HYDRA, sources: sourceFingerprint() };
const summary = reportTargets(main, queue, settings, (performance.now() - benchStart) / 1000, secondsByArm);
printSummary('kernel', summary);
