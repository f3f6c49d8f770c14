/**
 * `npm run bench:workflows`: Hydra's workflow engine side by side with LangGraph.js in one run, on the same
 * graph (START -> a -> b -> c -> END; a counter with a sum reducer and a trail with an append reducer), in
 * three cases: in memory (MemorySaver vs InMemoryWorkflowStore), durable on an embedded file store
 * (SqliteSaver, durability "sync", vs Hydra's default store: PGlite, a commit every step) and durable on the
 * same PostgreSQL server (PostgresSaver, "sync", vs SqlWorkflowStore on PostgreSQL).
 *
 * Per case and side: warm-up, then `reps` × `invocations` invocations each on a fresh thread/run (node-steps/s,
 * p50/p99 per invocation, bytes stored per invocation, RSS), and one long thread of `invocations`
 * invocations (LangGraph: one thread_id invoked that many times; Hydra: one run of a graph looping c -> a
 * that many times), with the bytes its store holds. Then Hydra in memory for 100k runs on one engine with
 * RSS sampled every 10k (after a full GC). Every job runs in a process of its own (worker.ts).
 *
 * Flags: --quick (500 invocations, 1 rep, 20k RSS runs), --cases memory,embedded,postgres,
 * --invocations n (2000), --reps n (3), --warmup n (1000), --rss-invocations n (100000), --no-extras (skips
 * LangGraph's async MemorySaver row and its looping-run storage rows). PostgreSQL: DATABASE_URL, else the
 * server of scripts/services.mjs (started, and stopped after, only if it was not running).
 * Progress on stderr; tables and the JSON summary (last line) on stdout.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import pg from 'pg';

import { printSummary, printTable } from '../lib/report.js';
import { postgresServer } from '../lib/services.js';
import type { Backend, Durability } from './common.js';
import { progress, round } from './measure.js';
import type { FreshResult, Job, JobResult, LongResult, RssResult, SideName } from './worker.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    cases: { type: 'string', default: 'memory,embedded,postgres' },
    invocations: { type: 'string' },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    'rss-invocations': { type: 'string' },
    'no-extras': { type: 'boolean', default: false },
  },
});
const quick = flags.quick;
const INVOCATIONS = Number(flags.invocations ?? (quick ? 500 : 2000));
const REPS = Number(flags.reps ?? (quick ? 1 : 3));
const WARMUP = Number(flags.warmup ?? (quick ? 200 : 1000));
const RSS_INVOCATIONS = Number(flags['rss-invocations'] ?? (quick ? 20_000 : 100_000));
const RSS_EVERY = RSS_INVOCATIONS / 10;
/** Past the in-memory store's retention (10,000 finished runs): from there on, memory must stay flat. */
const RSS_WARMUP = 30_000;
const CASES = flags.cases.split(',').map((name) => name.trim()) as Backend[];
const EXTRAS = !flags['no-extras'];

const TARGETS = {
  memory: 10,
  embedded: 3,
  postgres: 5,
  /** Hydra's long-thread bytes over LangGraph's, at most. */
  storageRatio: 0.1,
  /** RSS growth across 100k runs, at most (flat within sampling noise). */
  rssGrowthMb: 10,
} as const;

const CASE_LABEL: Record<Backend, string> = {
  memory: 'in memory (MemorySaver vs InMemoryWorkflowStore)',
  embedded: 'embedded file store (SqliteSaver sync vs PGlite)',
  postgres: 'PostgreSQL (PostgresSaver sync vs SqlWorkflowStore)',
};

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const started = performance.now();
const load = (): number => round(loadavg()[0] ?? 0, 2);
const loadAtStart = load();
progress(`load average at start: ${loadAtStart} on ${cpus().length} cores`);

// ---- PostgreSQL ---------------------------------------------------------------------------------------

async function serverSettings(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string; fsync: string; sync: string }>(
      `select current_setting('server_version') as version, current_setting('fsync') as fsync,
         current_setting('synchronous_commit') as sync`,
    );
    const row = rows[0];
    return row ? `PostgreSQL ${row.version}, fsync ${row.fsync}, synchronous_commit ${row.sync}` : '?';
  } finally {
    await client.end();
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

// ---- jobs ---------------------------------------------------------------------------------------------

type JobSpec =
  | { kind: 'fresh'; side: SideName; backend: Backend; durability?: Durability }
  | { kind: 'long'; side: SideName; backend: Backend; mode: 'thread' | 'loop' }
  | { kind: 'rss'; variant: 'shipped' | 'unbounded' };

/** Runs one job in a fresh process with its own temporary directory and PostgreSQL schema. */
async function runJob<Result extends JobResult>(spec: JobSpec, databaseUrl?: string): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-bench-workflows-'));
  const schema = `hydra_bench_wf_${randomBytes(4).toString('hex')}`;
  let job: Job;
  const where = {
    dir,
    databaseUrl,
    schema: spec.kind !== 'rss' && spec.backend === 'postgres' ? schema : undefined,
  };
  if (spec.kind === 'rss')
    job = { ...spec, warmup: RSS_WARMUP, invocations: RSS_INVOCATIONS, every: RSS_EVERY };
  else if (spec.kind === 'fresh')
    job = { ...spec, ...where, warmup: WARMUP, invocations: INVOCATIONS, reps: REPS };
  else job = { ...spec, ...where, passes: INVOCATIONS };
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', WORKER, JSON.stringify(job)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`job ${JSON.stringify(spec)} exited with ${code}`)),
      );
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Result;
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (databaseUrl && spec.kind !== 'rss' && spec.backend === 'postgres')
      await dropSchema(databaseUrl, schema).catch(() => undefined);
  }
}

interface CaseResult {
  backend: Backend;
  fresh: Record<SideName, FreshResult>;
  long: Record<SideName, LongResult>;
  extras: { langGraphAsync?: FreshResult; langGraphLoop?: LongResult };
}

const notes: string[] = [];
const server = CASES.includes('postgres') ? await postgresServer() : undefined;
let serverNote = '';
if (server?.url) {
  serverNote = `${await serverSettings(server.url)} (${server.note})`;
  progress(`PostgreSQL: ${serverNote}`);
} else if (server) {
  notes.push(`postgres case skipped: ${server.note}`);
}

const results: CaseResult[] = [];
let rssShipped: RssResult | undefined;
let rssUnbounded: RssResult | undefined;
try {
  for (const backend of CASES) {
    const url = backend === 'postgres' ? server?.url : undefined;
    if (backend === 'postgres' && !url) continue;
    progress(`case ${backend}: ${CASE_LABEL[backend]}`);
    const fresh = {
      langgraph: await runJob<FreshResult>(
        { kind: 'fresh', side: 'langgraph', backend, durability: 'sync' },
        url,
      ),
      hydra: await runJob<FreshResult>({ kind: 'fresh', side: 'hydra', backend }, url),
    };
    const long = {
      langgraph: await runJob<LongResult>({ kind: 'long', side: 'langgraph', backend, mode: 'thread' }, url),
      hydra: await runJob<LongResult>({ kind: 'long', side: 'hydra', backend, mode: 'loop' }, url),
    };
    const extras: CaseResult['extras'] = {};
    if (EXTRAS && backend === 'memory')
      extras.langGraphAsync = await runJob<FreshResult>(
        { kind: 'fresh', side: 'langgraph', backend, durability: 'async' },
        url,
      );
    if (EXTRAS && backend !== 'memory')
      extras.langGraphLoop = await runJob<LongResult>(
        { kind: 'long', side: 'langgraph', backend, mode: 'loop' },
        url,
      );
    results.push({ backend, fresh, long, extras });
  }
  rssShipped = await runJob<RssResult>({ kind: 'rss', variant: 'shipped' });
  rssUnbounded = await runJob<RssResult>({ kind: 'rss', variant: 'unbounded' });
} finally {
  await server?.release();
}

// ---- report -------------------------------------------------------------------------------------------

const mb = (bytes: number | undefined, digits = 2): string =>
  bytes === undefined ? '-' : (bytes / 1e6).toFixed(digits);
const speedup = (result: CaseResult): number =>
  round(result.fresh.hydra.stepsPerSec / result.fresh.langgraph.stepsPerSec, 2);
const storageRatio = (
  result: CaseResult,
  langGraph: LongResult | undefined = result.long.langgraph,
): number | undefined =>
  result.long.hydra.bytes !== undefined && langGraph?.bytes
    ? round(result.long.hydra.bytes / langGraph.bytes, 4)
    : undefined;
const byCase = (backend: Backend): CaseResult | undefined =>
  results.find((result) => result.backend === backend);

console.log(
  `\nworkflows: ${INVOCATIONS} invocations × ${REPS} rep(s) per side and case after ${WARMUP} warm-up, ` +
    `each on a fresh thread/run; long thread of ${INVOCATIONS} invocations; ${cpus().length} cores, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}` +
    (serverNote ? `; ${serverNote}` : ''),
);

printTable(
  'Fresh thread/run per invocation: node-steps/s (median of reps), latency per invocation, storage, memory',
  results.flatMap((result) => {
    const rows = [result.fresh.langgraph, result.fresh.hydra];
    if (result.extras.langGraphAsync) rows.push(result.extras.langGraphAsync);
    return rows.map((row) => ({
      case: row.backend,
      side: row.side === 'hydra' ? 'Hydra' : `LangGraph (${row.durability ?? 'sync'})`,
      'node-steps/s': row.stepsPerSec,
      reps: row.stepsPerSecReps.join(' / '),
      'p50 ms': row.latency.p50,
      'p99 ms': row.latency.p99,
      'bytes/invocation': row.bytesPerInvocation ?? '-',
      'RSS MB (end, after GC)': row.rssMb,
      'peak RSS MB': row.peakRssMb,
    }));
  }),
);

printTable(
  `Long thread: ${INVOCATIONS} invocations accumulating state (LangGraph: one thread_id invoked ${INVOCATIONS} times; Hydra: one run looping c -> a ${INVOCATIONS} times)`,
  results.flatMap((result) => {
    const rows = [result.long.langgraph, result.long.hydra];
    if (result.extras.langGraphLoop) rows.push(result.extras.langGraphLoop);
    return rows.map((row) => ({
      case: row.backend,
      side:
        row.side === 'hydra'
          ? 'Hydra (looping run)'
          : row.mode === 'loop'
            ? 'LangGraph (looping run)'
            : 'LangGraph (one thread)',
      seconds: row.seconds,
      'node-steps/s': row.stepsPerSec,
      'p50 / p99 ms': `${row.latency.p50.toFixed(2)} / ${row.latency.p99.toFixed(2)}`,
      'p50 first / last tenth ms': `${row.firstTenthP50.toFixed(2)} / ${row.lastTenthP50.toFixed(2)}`,
      'stored MB': mb(row.bytes),
      'row bytes MB': mb(row.rowBytes),
      'RSS MB': row.rssMb,
      'peak RSS MB': row.peakRssMb,
    }));
  }),
);

const rssRows = (rssShipped?.samples ?? []).map((sample, index) => ({
  'runs after warm-up': sample.after,
  'shipped store: RSS MB': sample.rssMb,
  'heap MB': sample.heapMb,
  'every run kept: RSS MB': rssUnbounded?.samples[index]?.rssMb ?? '-',
  'heap MB ': rssUnbounded?.samples[index]?.heapMb ?? '-',
}));
printTable(
  `Hydra in memory, ${RSS_INVOCATIONS} runs on one engine after ${RSS_WARMUP} warm-up (RSS after a full GC; shipped store: the newest 10,000 finished runs kept; "every run kept": maxFinishedRuns Infinity, for what retention costs)`,
  rssRows,
);

const memoryCase = byCase('memory');
const embeddedCase = byCase('embedded');
const postgresCase = byCase('postgres');
const longRatio = embeddedCase ? storageRatio(embeddedCase) : undefined;
const targetRows: Array<Record<string, string | number>> = [];
const addTarget = (
  target: string,
  required: string,
  measured: number | undefined,
  met: boolean | undefined,
): void => {
  targetRows.push({
    target,
    required,
    measured: measured ?? '-',
    met: met === undefined ? '-' : met ? 'yes' : 'NO',
  });
};
for (const [result, name] of [
  [memoryCase, 'memory'],
  [embeddedCase, 'embedded'],
  [postgresCase, 'postgres'],
] as const) {
  const value = result ? speedup(result) : undefined;
  addTarget(
    `${name}: Hydra / LangGraph node-steps/s`,
    `>= ${TARGETS[name]}x`,
    value,
    value === undefined ? undefined : value >= TARGETS[name],
  );
}
addTarget(
  'long-thread storage, Hydra / LangGraph (embedded)',
  `<= ${TARGETS.storageRatio}`,
  longRatio,
  longRatio === undefined ? undefined : longRatio <= TARGETS.storageRatio,
);
const postgresRatio = postgresCase ? storageRatio(postgresCase) : undefined;
addTarget(
  'long-thread storage, Hydra / LangGraph (postgres)',
  `<= ${TARGETS.storageRatio}`,
  postgresRatio,
  postgresRatio === undefined ? undefined : postgresRatio <= TARGETS.storageRatio,
);
addTarget(
  `RSS growth (trend) over ${RSS_INVOCATIONS} runs, InMemoryWorkflowStore as shipped (MB)`,
  `<= ${TARGETS.rssGrowthMb} (flat)`,
  rssShipped?.growthMb,
  rssShipped ? rssShipped.growthMb <= TARGETS.rssGrowthMb : undefined,
);

printTable('Targets (never lowered)', targetRows);
for (const note of notes) console.log(`note: ${note}`);

const seconds = Math.round((performance.now() - started) / 1000);
const perCase = Object.fromEntries(
  results.map((result) => [
    result.backend,
    {
      langgraph_steps_per_s: result.fresh.langgraph.stepsPerSec,
      hydra_steps_per_s: result.fresh.hydra.stepsPerSec,
      langgraph_p50_ms: result.fresh.langgraph.latency.p50,
      langgraph_p99_ms: result.fresh.langgraph.latency.p99,
      hydra_p50_ms: result.fresh.hydra.latency.p50,
      hydra_p99_ms: result.fresh.hydra.latency.p99,
      langgraph_bytes_per_invocation: result.fresh.langgraph.bytesPerInvocation,
      hydra_bytes_per_invocation: result.fresh.hydra.bytesPerInvocation,
      langgraph_rss_mb: result.fresh.langgraph.rssMb,
      hydra_rss_mb: result.fresh.hydra.rssMb,
      long_langgraph_bytes: result.long.langgraph.bytes,
      long_hydra_bytes: result.long.hydra.bytes,
      long_langgraph_steps_per_s: result.long.langgraph.stepsPerSec,
      long_hydra_steps_per_s: result.long.hydra.stepsPerSec,
      ...(result.extras.langGraphLoop
        ? {
            long_langgraph_loop_bytes: result.extras.langGraphLoop.bytes,
            long_storage_ratio_vs_langgraph_loop: storageRatio(result, result.extras.langGraphLoop),
          }
        : {}),
      ...(result.extras.langGraphAsync
        ? { langgraph_async_steps_per_s: result.extras.langGraphAsync.stepsPerSec }
        : {}),
    },
  ]),
);
printSummary('workflows', {
  memory_speedup: memoryCase ? speedup(memoryCase) : null,
  embedded_speedup: embeddedCase ? speedup(embeddedCase) : null,
  postgres_speedup: postgresCase ? speedup(postgresCase) : null,
  long_thread_storage_ratio: longRatio ?? null,
  long_thread_storage_ratio_postgres: postgresRatio ?? null,
  rss_growth_mb_100k: rssShipped?.growthMb ?? null,
  rss_growth_mb_100k_raw: rssShipped?.rawGrowthMb ?? null,
  heap_growth_mb_100k: rssShipped?.heapGrowthMb ?? null,
  rss_growth_mb_100k_every_run_kept: rssUnbounded?.growthMb ?? null,
  rss_invocations: RSS_INVOCATIONS,
  hydra_memory_rss_runs_per_s: rssShipped ? Math.round(rssShipped.stepsPerSec / 3) : null,
  invocations: INVOCATIONS,
  reps: REPS,
  cases: perCase,
  postgres_server: serverNote || null,
  loadavg_start: loadAtStart,
  loadavg_end: load(),
  seconds,
});
