/**
 * Figures of one run (arm x N x seed x overflow mode), and their aggregation over seeds.
 */
import type { SimModelStats } from '../../src/testing/index.js';
import type { SimProcessReport } from './sim-process.js';
import type { ProgramResult, RunCounters } from './workload.js';

export type Overflow = 'reject' | 'queue';

export interface RunResult {
  arm: string;
  n: number;
  seed: number;
  overflow: Overflow;
  makespanMs: number;
  steps: number;
  /** LLM steps the programs completed per second. */
  throughput: number;
  slotUtilisation: number;
  longP50Ms: number;
  longP99Ms: number;
  shortP50Ms: number;
  shortP99Ms: number;
  failedPrograms: number;
  truncations: number;
  /** Non-2xx responses the server sent, all kinds, and by kind. */
  failedRequests: number;
  server429: number;
  server400: number;
  /** context_length_exceeded responses, as classified by the client side. */
  contextErrorsSent: number;
  wastedPromptTokens: number;
  wastedCompletionTokens: number;
  abortedGenerations: number;
  harnessCpuMsPerStep: number;
  simCpuUtilisation: number;
  simLoopDelayP99Ms: number;
  /** The arm's own figures (kernel stats, batch counts). */
  extras: Record<string, number>;
}

/** Nearest-rank percentile of unsorted values (0 for none). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

export interface RunInputs {
  arm: string;
  n: number;
  seed: number;
  overflow: Overflow;
  slots: number;
  makespanMs: number;
  programs: readonly ProgramResult[];
  counters: RunCounters;
  server: SimModelStats;
  sim: SimProcessReport;
  harnessCpuMs: number;
  extras: Record<string, number>;
}

export function summariseRun(input: RunInputs): RunResult {
  const { programs, counters, server, makespanMs } = input;
  const latencies = (kind: ProgramResult['kind']): number[] =>
    programs.filter((program) => program.kind === kind && program.ok).map((program) => program.latencyMs);
  const long = latencies('long');
  const short = latencies('short');
  const failedRequests = Object.entries(server.responses)
    .filter(([status]) => !status.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    arm: input.arm,
    n: input.n,
    seed: input.seed,
    overflow: input.overflow,
    makespanMs,
    steps: counters.steps,
    throughput: counters.steps / (makespanMs / 1000),
    slotUtilisation: server.busySlotMs / (input.slots * makespanMs),
    longP50Ms: percentile(long, 0.5),
    longP99Ms: percentile(long, 0.99),
    shortP50Ms: percentile(short, 0.5),
    shortP99Ms: percentile(short, 0.99),
    failedPrograms: counters.failedPrograms,
    truncations: counters.truncations,
    failedRequests,
    server429: server.responses['429'] ?? 0,
    server400: server.responses['400'] ?? 0,
    contextErrorsSent: counters.contextErrors,
    wastedPromptTokens: counters.wastedPromptTokens,
    wastedCompletionTokens: Math.max(0, server.completionTokens - counters.keptCompletionTokens),
    abortedGenerations: server.aborted,
    harnessCpuMsPerStep: input.harnessCpuMs / Math.max(1, counters.steps),
    simCpuUtilisation: input.sim.cpuMs / makespanMs,
    simLoopDelayP99Ms: input.sim.loopDelayP99Ms,
    extras: input.extras,
  };
}

export interface Spread {
  mean: number;
  /** Half the range over seeds. */
  spread: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { mean: 0, spread: 0, min: 0, max: 0 };
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, spread: (max - min) / 2, min, max };
}

/** Numeric fields of RunResult, aggregated over seeds. */
export type NumericField = {
  [K in keyof RunResult]: RunResult[K] extends number ? K : never;
}[keyof RunResult];

export interface ConfigSummary {
  arm: string;
  n: number;
  overflow: Overflow;
  seeds: number[];
  figures: Record<NumericField, Spread>;
  extras: Record<string, Spread>;
}

const FIELDS: NumericField[] = [
  'makespanMs',
  'steps',
  'throughput',
  'slotUtilisation',
  'longP50Ms',
  'longP99Ms',
  'shortP50Ms',
  'shortP99Ms',
  'failedPrograms',
  'truncations',
  'failedRequests',
  'server429',
  'server400',
  'contextErrorsSent',
  'wastedPromptTokens',
  'wastedCompletionTokens',
  'abortedGenerations',
  'harnessCpuMsPerStep',
  'simCpuUtilisation',
  'simLoopDelayP99Ms',
];

export function summariseConfig(runs: readonly RunResult[]): ConfigSummary {
  const first = runs[0];
  if (!first) throw new Error('no runs to summarise');
  const figures = Object.fromEntries(
    FIELDS.map((field) => [field, spread(runs.map((run) => run[field]))]),
  ) as Record<NumericField, Spread>;
  const extraKeys = [...new Set(runs.flatMap((run) => Object.keys(run.extras)))];
  const extras = Object.fromEntries(
    extraKeys.map((key) => [key, spread(runs.map((run) => run.extras[key] ?? 0))]),
  );
  return {
    arm: first.arm,
    n: first.n,
    overflow: first.overflow,
    seeds: runs.map((run) => run.seed),
    figures,
    extras,
  };
}

function fmt(value: Spread, digits: number, scale = 1): string {
  const mean = (value.mean * scale).toFixed(digits);
  return value.spread === 0 ? mean : `${mean}±${(value.spread * scale).toFixed(digits)}`;
}

/** One human table row per configuration. */
export function tableRow(summary: ConfigSummary): Record<string, string> {
  const f = summary.figures;
  const kernelCpu = summary.extras['kernelCpuMsPerSyscall'];
  return {
    arm: summary.arm,
    'makespan s': fmt(f.makespanMs, 1, 1 / 1000),
    'steps/s': fmt(f.throughput, 1),
    'slot util %': fmt(f.slotUtilisation, 1, 100),
    'long p50/p99 s': `${fmt(f.longP50Ms, 1, 1 / 1000)} / ${fmt(f.longP99Ms, 1, 1 / 1000)}`,
    'short p50/p99 s': `${fmt(f.shortP50Ms, 2, 1 / 1000)} / ${fmt(f.shortP99Ms, 2, 1 / 1000)}`,
    'non-2xx (429/400)': `${fmt(f.failedRequests, 0)} (${fmt(f.server429, 0)}/${fmt(f.server400, 0)})`,
    'wasted tok (prompt+compl)': `${fmt(f.wastedPromptTokens, 0)}+${fmt(f.wastedCompletionTokens, 0)}`,
    trunc: fmt(f.truncations, 0),
    'failed progs': fmt(f.failedPrograms, 0),
    'kernel ms/syscall': kernelCpu === undefined ? '-' : fmt(kernelCpu, 3),
    'harness ms/step': fmt(f.harnessCpuMsPerStep, 2),
    'sim cpu %': fmt(f.simCpuUtilisation, 0, 100),
  };
}

/** The machine-readable line per configuration. */
export function configJson(summary: ConfigSummary): string {
  const round = (value: number): number => Number(value.toPrecision(5));
  const flat = (values: Record<string, Spread>): Record<string, { mean: number; spread: number }> =>
    Object.fromEntries(
      Object.entries(values).map(([key, value]) => [
        key,
        { mean: round(value.mean), spread: round(value.spread) },
      ]),
    );
  return JSON.stringify({
    bench: 'kernel-config',
    arm: summary.arm,
    n: summary.n,
    overflow: summary.overflow,
    seeds: summary.seeds,
    ...flat(summary.figures),
    extras: flat(summary.extras),
  });
}
