/**
 * One job of the workflow benchmark, in a process of its own (so RSS is that job's alone), started by
 * index.ts as `node --expose-gc --import tsx worker.ts '<job JSON>'`. Progress on stderr; the result is the
 * last line on stdout, as JSON.
 */
import {
  INPUT,
  STEPS_PER_INVOCATION,
  type Backend,
  type Durability,
  type Side,
  type SideOptions,
} from './common.js';
import {
  collect,
  latency,
  median,
  memory,
  peakRssMb,
  progress,
  round,
  timeSequential,
  type Latency,
} from './measure.js';
import { InMemoryWorkflowStore, WorkflowEngine, type WorkflowStore } from '../../src/workflows/index.js';

export type SideName = 'langgraph' | 'hydra';

interface Common {
  side: SideName;
  backend: Backend;
  dir: string;
  databaseUrl?: string | undefined;
  schema?: string | undefined;
  durability?: Durability | undefined;
}

export type Job =
  | (Common & { kind: 'fresh'; warmup: number; invocations: number; reps: number })
  | (Common & { kind: 'long'; passes: number; mode: 'thread' | 'loop' })
  | { kind: 'rss'; variant: 'shipped' | 'unbounded'; warmup: number; invocations: number; every: number };

export interface FreshResult {
  kind: 'fresh';
  side: SideName;
  backend: Backend;
  durability?: Durability | undefined;
  invocations: number;
  reps: number;
  /** Median over reps, and every rep's figure. */
  stepsPerSec: number;
  stepsPerSecReps: number[];
  /** Per invocation, pooled over the reps, in ms. */
  latency: Latency;
  bytesPerInvocation?: number | undefined;
  measures: string;
  rssMb: number;
  heapMb: number;
  peakRssMb: number;
}

export interface LongResult {
  kind: 'long';
  side: SideName;
  backend: Backend;
  mode: 'thread' | 'loop';
  passes: number;
  seconds: number;
  stepsPerSec: number;
  latency: Latency;
  /** p50 of the first and of the last tenth of the passes: how the cost grows with the state. */
  firstTenthP50: number;
  lastTenthP50: number;
  bytes?: number | undefined;
  rowBytes?: number | undefined;
  measures: string;
  rssMb: number;
  peakRssMb: number;
}

export interface RssResult {
  kind: 'rss';
  variant: 'shipped' | 'unbounded';
  warmup: number;
  invocations: number;
  samples: Array<{ after: number; rssMb: number; heapMb: number }>;
  /**
   * RSS growth over the whole span by the least-squares trend of the samples: single samples swing by
   * tens of MB (V8 and malloc hand memory back to the system when they please), a leak shows as a slope.
   */
  growthMb: number;
  /** Last sample minus first, for comparison. */
  rawGrowthMb: number;
  heapGrowthMb: number;
  stepsPerSec: number;
  peakRssMb: number;
}

export type JobResult = FreshResult | LongResult | RssResult;

async function fresh(job: Extract<Job, { kind: 'fresh' }>): Promise<FreshResult> {
  const side = await open(job);
  try {
    const label = `${job.side}/${job.backend}${job.durability ? `/${job.durability}` : ''}`;
    progress(`${label}: ${job.warmup} warm-up invocations`);
    let next = 0;
    await timeSequential(job.warmup, () => side.invoke(next++));
    const before = await side.bytes();
    const durations: number[] = [];
    const rates: number[] = [];
    for (let rep = 0; rep < job.reps; rep++) {
      collect();
      const timed = await timeSequential(job.invocations, () => side.invoke(next++));
      durations.push(...timed.durations);
      rates.push((job.invocations * STEPS_PER_INVOCATION) / timed.seconds);
      progress(`${label}: rep ${rep + 1}/${job.reps}: ${Math.round(rates.at(-1) ?? 0)} node-steps/s`);
    }
    const after = await side.bytes();
    const { rssMb, heapMb } = memory();
    return {
      kind: 'fresh',
      side: job.side,
      backend: job.backend,
      durability: job.durability,
      invocations: job.invocations,
      reps: job.reps,
      stepsPerSec: Math.round(median(rates)),
      stepsPerSecReps: rates.map((rate) => Math.round(rate)),
      latency: roundLatency(latency(durations)),
      bytesPerInvocation:
        before === undefined || after === undefined
          ? undefined
          : Math.round((after - before) / (job.invocations * job.reps)),
      measures: side.measures,
      rssMb,
      heapMb,
      peakRssMb: peakRssMb(),
    };
  } finally {
    await side.close();
  }
}

async function long(job: Extract<Job, { kind: 'long' }>): Promise<LongResult> {
  const side = await open(job);
  try {
    progress(`${job.side}/${job.backend}: long thread (${job.mode}), ${job.passes} invocations`);
    const run = await side.long(job.passes, job.mode);
    if (run.count !== job.passes * STEPS_PER_INVOCATION || run.durations.length !== job.passes)
      throw new Error(
        `long thread did ${run.durations.length} passes, count ${run.count}; expected ${job.passes}, ${job.passes * STEPS_PER_INVOCATION}`,
      );
    const tenth = Math.max(1, Math.floor(job.passes / 10));
    const bytes = await side.bytes();
    const { rssMb } = memory();
    progress(
      `${job.side}/${job.backend}: long thread ${run.seconds.toFixed(1)} s` +
        (bytes === undefined ? '' : `, ${(bytes / 1e6).toFixed(2)} MB stored`),
    );
    return {
      kind: 'long',
      side: job.side,
      backend: job.backend,
      mode: job.mode,
      passes: job.passes,
      seconds: round(run.seconds, 2),
      stepsPerSec: Math.round((job.passes * STEPS_PER_INVOCATION) / run.seconds),
      latency: roundLatency(latency(run.durations)),
      firstTenthP50: round(latency(run.durations.slice(0, tenth)).p50, 3),
      lastTenthP50: round(latency(run.durations.slice(-tenth)).p50, 3),
      bytes,
      rowBytes: run.rowBytes,
      measures: side.measures,
      rssMb,
      peakRssMb: peakRssMb(),
    };
  } finally {
    await side.close();
  }
}

/**
 * Hydra in memory, `invocations` runs on one engine, RSS sampled (after a full GC) every `every` runs. The
 * warm-up should reach the store's retention (10,000 finished runs), after which memory must stay flat.
 */
async function rss(job: Extract<Job, { kind: 'rss' }>): Promise<RssResult> {
  // As shipped: the newest 10,000 finished runs kept. Unbounded: every run kept (what retention costs).
  const store: WorkflowStore = new InMemoryWorkflowStore(
    job.variant === 'unbounded' ? { maxFinishedRuns: Infinity } : {},
  );
  const { hydraGraph } = await import('./hydra-side.js');
  const engine = new WorkflowEngine({ store }).register(hydraGraph());
  const invoke = async (): Promise<void> => {
    const result = await engine.run('abc', INPUT);
    if (result.status !== 'done') throw new Error(`Hydra run ended ${result.status}`);
  };
  progress(`hydra/memory RSS (${job.variant}): ${job.warmup} warm-up runs`);
  await timeSequential(job.warmup, invoke);
  // The first forced GC after a long run lets V8 shrink its young generation, which regrows over the next
  // few thousand runs (~25-30 MB of RSS, once, with a flat heap): settle that before the first sample.
  memory();
  await timeSequential(job.every, invoke);
  const samples: RssResult['samples'] = [{ after: 0, ...memory() }];
  let seconds = 0;
  for (let done = 0; done < job.invocations;) {
    const batch = Math.min(job.every, job.invocations - done);
    seconds += (await timeSequential(batch, invoke)).seconds;
    done += batch;
    samples.push({ after: done, ...memory() });
    progress(`hydra/memory RSS (${job.variant}): ${done} runs, RSS ${samples.at(-1)?.rssMb} MB`);
  }
  const first = samples[0];
  const last = samples.at(-1);
  return {
    kind: 'rss',
    variant: job.variant,
    warmup: job.warmup,
    invocations: job.invocations,
    samples,
    growthMb: round(trend(samples.map((sample) => [sample.after, sample.rssMb])) * job.invocations, 1),
    rawGrowthMb: round((last?.rssMb ?? 0) - (first?.rssMb ?? 0), 1),
    heapGrowthMb: round((last?.heapMb ?? 0) - (first?.heapMb ?? 0), 1),
    stepsPerSec: Math.round((job.invocations * STEPS_PER_INVOCATION) / seconds),
    peakRssMb: peakRssMb(),
  };
}

/** The least-squares slope of y over x. */
function trend(points: Array<[number, number]>): number {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

/** Loads only the side the job runs, so the job's RSS holds one framework. */
async function open(job: Common): Promise<Side> {
  const options: SideOptions = {
    backend: job.backend,
    dir: job.dir,
    databaseUrl: job.databaseUrl,
    schema: job.schema,
    durability: job.durability,
  };
  if (job.side === 'hydra') return (await import('./hydra-side.js')).hydraSide(options);
  return (await import('./langgraph-side.js')).langGraphSide(options);
}

const roundLatency = (value: Latency): Latency => ({
  p50: round(value.p50, 3),
  p99: round(value.p99, 3),
  mean: round(value.mean, 3),
  max: round(value.max, 3),
});

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const result: JobResult =
  job.kind === 'fresh' ? await fresh(job) : job.kind === 'long' ? await long(job) : await rss(job);
process.stdout.write(`${JSON.stringify(result)}\n`);
