/**
 * What both sides share: the graph's shape and input, the case a side runs on, and how storage is measured.
 * Each side lives in its own module (langgraph-side.ts, hydra-side.ts), loaded only by the worker that runs
 * it, so a job's RSS holds one framework.
 *
 * The graph, the same on both sides: START -> a -> b -> c -> END, each node returning
 * `{ count: 1, trail: [name] }` into a counter (sum reducer) and a trail (append reducer).
 *
 *   case      LangGraph                             Hydra
 *   memory    MemorySaver                           InMemoryWorkflowStore
 *   embedded  SqliteSaver (file, WAL)               SqlWorkflowStore on PGlite (Hydra's default store)
 *   postgres  PostgresSaver                         SqlWorkflowStore on PostgreSQL (the same server)
 *
 * LangGraph runs with `durability: "sync"` unless told otherwise (each step's checkpoint is written before
 * the next step); Hydra with its defaults (every step committed before the next, a snapshot every 25 steps).
 */
import { statSync } from 'node:fs';

export const NODES = ['a', 'b', 'c'] as const;
/** Node executions per invocation: the unit of node-steps/s. */
export const STEPS_PER_INVOCATION = NODES.length;
/** The input of every fresh invocation on both sides. */
export const INPUT = { count: 0, trail: [] as string[] };

export type Backend = 'memory' | 'embedded' | 'postgres';
export type Durability = 'sync' | 'async' | 'exit';

export interface SideOptions {
  backend: Backend;
  /** A directory of its own for files (SQLite database, PGlite data directory). */
  dir: string;
  databaseUrl?: string | undefined;
  /** A PostgreSQL schema of its own (created by the side; the orchestrator drops it afterwards). */
  schema?: string | undefined;
  /** LangGraph only (default sync). */
  durability?: Durability | undefined;
}

export interface LongRun {
  /** Per-pass (= per-invocation) latencies in ms. */
  durations: number[];
  seconds: number;
  /** Hydra: bytes of the run's rows (`storedBytes`: pg_column_size); undefined elsewhere. */
  rowBytes?: number | undefined;
  /** The final counter, to check the work was done. */
  count: number;
}

export interface Side {
  /** One invocation of the abc graph on a fresh thread (LangGraph) or run (Hydra). */
  invoke(index: number): Promise<void>;
  /**
   * The long thread: `passes` invocations accumulating state. LangGraph: the same thread_id invoked
   * `passes` times (mode 'thread'), or one invocation of a graph that loops c -> a (mode 'loop'). Hydra: one
   * run of the looping graph either way (a finished run is not invoked again).
   */
  long(passes: number, mode: 'thread' | 'loop'): Promise<LongRun>;
  /** Bytes the store holds now (undefined in memory): tables with indexes and TOAST, or the SQLite file. */
  bytes(): Promise<number | undefined>;
  /** What `bytes` measures, for the tables. */
  readonly measures: string;
  close(): Promise<void>;
}

/** Tables, indexes and TOAST of the named tables of one schema. */
export const RELATION_BYTES = `select coalesce(sum(pg_total_relation_size(c.oid)), 0)::float8 as bytes
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind = 'r' and n.nspname = $1 and c.relname = any($2::text[])`;

export function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function requireUrl(options: SideOptions): string {
  if (!options.databaseUrl) throw new Error('the postgres case needs a database URL');
  return options.databaseUrl;
}

export function requireSchema(options: SideOptions): string {
  if (!options.schema) throw new Error('the postgres case needs a schema');
  return options.schema;
}
