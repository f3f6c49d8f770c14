import { UserError } from '../errors/index.js';
import { StoreError, type Migration, type Store } from '../store/index.js';
import {
  approvalNotFound,
  badTruncate,
  badTtl,
  duplicateApproval,
  duplicateRun,
  headConflict,
  leaseLost,
  runNotFound,
  strayWrite,
  type Args,
} from './memory-store.js';
import type {
  ApprovalRecord,
  CommitOptions,
  StepRecord,
  TaskWrite,
  WorkflowRunRecord,
  WorkflowRunStatus,
  WorkflowStore,
} from './types.js';

export const WORKFLOW_MIGRATIONS: readonly Migration[] = [
  {
    component: 'workflows',
    version: 1,
    description: 'durable workflows: runs, committed steps, task writes, approvals',
    // No foreign keys on steps and writes: every statement that writes them is gated on the run's row, and an
    // FK check per row would cost a lookup on the hottest path (a step commit).
    async up(tx) {
      await tx.exec(`
        create table workflow_runs (
          id text primary key, graph text not null,
          status text not null check (status in ('running', 'waiting', 'done', 'failed', 'cancelled')),
          input jsonb, head integer not null, error jsonb, forked_from_run text, forked_from_step integer,
          lease_owner text, lease_expires timestamptz,
          created_at timestamptz not null default now(), updated_at timestamptz not null default now());
        create index workflow_runs_status on workflow_runs (status, created_at);
        create index workflow_runs_graph on workflow_runs (graph, created_at);
        create table workflow_steps (
          run_id text not null, step integer not null, tasks jsonb not null, next jsonb not null,
          barriers jsonb not null, snapshot jsonb, committed_at timestamptz not null default now(),
          primary key (run_id, step));
        create table workflow_writes (
          run_id text not null, step integer not null, task_id text not null, node text not null,
          update jsonb not null, primary key (run_id, step, task_id));
        create table workflow_approvals (
          id text primary key, run_id text not null references workflow_runs (id) on delete cascade,
          step integer not null, task_id text not null, idx integer not null, action text not null,
          payload jsonb, hash text not null,
          status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
          decided_by text, note text, created_at timestamptz not null default now(), decided_at timestamptz,
          unique (run_id, task_id, idx));
        create index workflow_approvals_status on workflow_approvals (status, created_at);`);
    },
  },
  {
    component: 'workflows',
    version: 2,
    description: "a committed step's writes inline in its row ([task id, node, update] tuples)",
    // One row per step instead of one per task plus the step: a long run stores ~40% less, and a commit
    // inserts one row. `workflow_writes` keeps the writes of steps not committed yet (and of steps
    // committed before this migration, which stay readable there).
    async up(tx) {
      await tx.exec(`alter table workflow_steps add column writes jsonb`);
    },
  },
];

// Columns aliased to the records' field names, so rows come back as records (timestamptz arrives as Date).
const RUN = `id, graph, status, input, head, error, created_at as "createdAt", updated_at as "updatedAt",
  case when forked_from_run is null then null
  else jsonb_build_object('runId', forked_from_run, 'step', forked_from_step) end as "forkedFrom"`;
const STEP = `step, tasks, next, barriers, snapshot, committed_at as "committedAt"`;
const WRITE = `step, task_id as "taskId", node, update`;
const APPROVAL = `id, run_id as "runId", step, task_id as "taskId", idx as "index", action, payload, hash, status,
  decided_by as "decidedBy", note, created_at as "createdAt", decided_at as "decidedAt"`;
const STEP_COLUMNS = `step, tasks, next, barriers, snapshot, committed_at`;
const WRITES_RECORDSET = `jsonb_to_recordset($2::jsonb) as x(step int, task_id text, node text, update jsonb)`;
// "C" collation: the same order on every server, and the order of JavaScript's default comparison.
const BY_TASK = `order by task_id collate "C"`;

type StepRow = Omit<StepRecord, 'snapshot'> & { snapshot: Record<string, unknown> | null };
/** A committed write as stored in its step's row. */
type InlineWrite = [taskId: string, node: string, update: Record<string, unknown>];

function toStep<Row extends StepRow>(row: Row): Omit<Row, 'snapshot'> & StepRecord {
  const { snapshot, ...rest } = row;
  return snapshot === null ? rest : { ...rest, snapshot };
}

/** A value as a jsonb parameter (SQL null for undefined); a value JSON cannot hold is the caller's error. */
function json(value: unknown, what: string): string | null {
  try {
    return (JSON.stringify(value) as string | undefined) ?? null;
  } catch (cause) {
    throw new UserError('invalid_input', `The workflow ${what} cannot be stored as JSON: ${String(cause)}`, {
      cause,
    });
  }
}

/** Writes as one jsonb array, expanded by `jsonb_to_recordset`: any number of rows in one statement. */
const writesJson = (writes: readonly TaskWrite[]): string | null =>
  json(
    writes.map((w) => ({ step: w.step, task_id: w.taskId, node: w.node, update: w.update })),
    'task writes',
  );

/** Writes as a step row stores them: [task id, node, update] tuples in task-id order. */
const inlineWrites = (writes: readonly TaskWrite[]): string | null =>
  json(
    [...writes]
      .sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0))
      .map((w): InlineWrite => [w.taskId, w.node, w.update]),
    'task writes',
  );

/** A step record's own fields, as five consecutive parameters. */
const stepParams = (record: StepRecord): unknown[] => [
  json(record.tasks, 'tasks'),
  json(record.next, 'next tasks'),
  json(record.barriers, 'barriers'),
  record.snapshot === undefined ? null : json(record.snapshot, 'snapshot'),
  record.committedAt,
];

/**
 * Workflow runs on the Store (PGlite or PostgreSQL). Every mutation is ONE statement (data-modifying CTEs
 * where it touches several tables), so it is atomic, durable once acknowledged, and one round trip.
 */
export class SqlWorkflowStore implements WorkflowStore {
  readonly store: Store;

  private constructor(store: Store) {
    this.store = store;
  }

  static async open(store: Store): Promise<SqlWorkflowStore> {
    await store.migrate(WORKFLOW_MIGRATIONS);
    return new SqlWorkflowStore(store);
  }

  async createRun(run: Args<'createRun'>[0]): Promise<WorkflowRunRecord> {
    const { lease } = run;
    if (lease && (!(lease.ttlMs > 0) || !Number.isFinite(lease.ttlMs))) throw badTtl(run.id, lease.ttlMs);
    const [record] = await this.#rows<WorkflowRunRecord>(
      `with r as (
         insert into workflow_runs (id, graph, input, head, forked_from_run, forked_from_step, status,
           lease_owner, lease_expires)
         values ($1, $2, $3::jsonb, $4::int, $5, $6::int, 'running',
           $12, now() + $13::double precision * interval '1 millisecond') returning *
       ), s as (
         insert into workflow_steps (run_id, ${STEP_COLUMNS})
         select id, $4::int, $7::jsonb, $8::jsonb, $9::jsonb, $10::jsonb, $11::timestamptz from r
       )
       select ${RUN} from r`,
      [
        ...[run.id, run.graph, json(run.input, 'input'), run.initial.step],
        ...[run.forkedFrom?.runId ?? null, run.forkedFrom?.step ?? null, ...stepParams(run.initial)],
        ...[lease?.owner ?? null, lease?.ttlMs ?? null],
      ],
    ).catch(mapState('23505', (cause) => duplicateRun(run.id, cause)));
    return record as WorkflowRunRecord;
  }

  async getRun(runId: string): Promise<WorkflowRunRecord | undefined> {
    return (
      await this.#rows<WorkflowRunRecord>(`select ${RUN} from workflow_runs where id = $1`, [runId])
    )[0];
  }

  /** Newest first; 50 unless `limit` says otherwise. */
  listRuns(filter: Args<'listRuns'>[0]): Promise<WorkflowRunRecord[]> {
    return this.#rows(
      `select ${RUN} from workflow_runs where ($1::text is null or status = $1) and ($2::text is null or graph = $2)
       order by created_at desc, id desc limit $3`,
      [filter.status ?? null, filter.graph ?? null, filter.limit ?? 50],
    );
  }

  /** `error` undefined keeps the stored error; null clears it. */
  async setStatus(
    runId: string,
    status: WorkflowRunStatus,
    error?: Record<string, unknown> | null,
  ): Promise<void> {
    const { rowCount } = await this.store.query(
      `update workflow_runs set status = $2, error = case when $4::boolean then $3::jsonb else error end,
       updated_at = now() where id = $1`,
      [runId, status, error ? json(error, 'error') : null, error !== undefined],
    );
    if (rowCount === 0) throw runNotFound(runId);
  }

  /** Keeps the first write of each task; writes of steps already committed are ignored. */
  async saveWrites(runId: string, writes: readonly TaskWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const found = await this.#rows(
      `with r as (select id, head from workflow_runs where id = $1), w as (
         insert into workflow_writes (run_id, step, task_id, node, update)
         select r.id, x.step, x.task_id, x.node, x.update from r, ${WRITES_RECORDSET} where x.step > r.head
         on conflict do nothing
       )
       select id from r`,
      [runId, writesJson(writes)],
    );
    if (found.length === 0) throw runNotFound(runId);
  }

  /** The head only moves forward: a step at or below it is a `ConflictError` (another process ran it). */
  async commitStep(
    runId: string,
    record: StepRecord,
    writes: readonly TaskWrite[],
    options: CommitOptions = {},
  ): Promise<void> {
    const stray = writes.find((write) => write.step !== record.step);
    if (stray) throw strayWrite(runId, record.step, stray);
    const owner = options.owner ?? null;
    const finish = options.finish === true;
    // The step and its writes go in only if the head moved, and the head moves only if they go in.
    const committed = await this.#rows(
      `with r as (
         update workflow_runs set head = $3::int, updated_at = now(),
           status = case when $10::boolean then 'done' else status end,
           error = case when $10::boolean then null else error end,
           lease_owner = case when $10::boolean then null else lease_owner end,
           lease_expires = case when $10::boolean then null else lease_expires end
         where id = $1 and head < $3::int and ($9::text is null or lease_owner = $9::text) returning id
       ), d as (
         -- writes saved earlier for this step (finished siblings of a failed task) move into the step row
         delete from workflow_writes where run_id = (select id from r) and step = $3::int
         returning task_id, node, update
       ), s as (
         insert into workflow_steps (run_id, ${STEP_COLUMNS}, writes)
         select id, $3::int, $4::jsonb, $5::jsonb, $6::jsonb, $7::jsonb, $8::timestamptz,
           -- the given writes come as sorted [task id, node, update] tuples: merged only when some were saved
           case when not exists (select 1 from d) then $2::jsonb else (
             select jsonb_agg(jsonb_build_array(w.task_id, w.node, w.update) order by w.task_id collate "C")
             from (
               select task_id, node, update from d
               union all
               select x->>0, x->>1, x->2 from jsonb_array_elements($2::jsonb) as x
               where not exists (select 1 from d where d.task_id = x->>0)
             ) w
           ) end
         from r
       )
       select id from r`,
      [runId, inlineWrites(writes), record.step, ...stepParams(record), owner, finish],
    );
    if (committed.length > 0) return;
    const [run] = await this.#rows<{ head: number; owner: string | null }>(
      `select head, lease_owner as owner from workflow_runs where id = $1`,
      [runId],
    );
    if (!run) throw runNotFound(runId);
    if (owner !== null && run.owner !== owner) throw leaseLost(runId, record.step, owner);
    throw headConflict(runId, record.step, run.head);
  }

  /** Writes in task-id order. */
  async loadSteps(
    runId: string,
    from: number,
    to?: number,
  ): Promise<Array<StepRecord & { writes: TaskWrite[] }>> {
    const rows = await this.#rows<StepRow & { writes: InlineWrite[] }>(
      `select ${STEP}, coalesce(s.writes, (
         select jsonb_agg(jsonb_build_array(w.task_id, w.node, w.update) order by w.task_id collate "C")
         from workflow_writes w where w.run_id = s.run_id and w.step = s.step
       ), '[]'::jsonb) as writes
       from workflow_steps s where run_id = $1 and step >= $2 and ($3::int is null or step <= $3) order by step`,
      [runId, from, to ?? null],
    );
    return rows.map(({ writes, ...row }) => ({
      ...toStep(row),
      writes: writes.map(([taskId, node, update]) => ({ step: row.step, taskId, node, update })),
    }));
  }

  async latestSnapshot(runId: string, step: number): Promise<StepRecord | undefined> {
    const [row] = await this.#rows<StepRow>(
      `select ${STEP} from workflow_steps where run_id = $1 and step <= $2 and snapshot is not null
       order by step desc limit 1`,
      [runId, step],
    );
    return row && toStep(row);
  }

  /** In task-id order; empty for a step at or below the head (its writes are in the step). */
  pendingWrites(runId: string, step: number): Promise<TaskWrite[]> {
    return this.#rows(
      `select ${WRITE} from workflow_writes where run_id = $1 and step = $2
       and step > (select head from workflow_runs where id = $1) ${BY_TASK}`,
      [runId, step],
    );
  }

  /** Also drops the uncommitted writes after `step`. `step` must be between 0 and the head. */
  async truncate(runId: string, step: number): Promise<void> {
    if (!Number.isInteger(step) || step < 0) throw badTruncate(runId, step);
    const truncated = await this.#rows(
      `with r as (
         update workflow_runs set head = $2, updated_at = now() where id = $1 and head >= $2 returning id
       ), s as (
         delete from workflow_steps where run_id = (select id from r) and step > $2
       ), w as (
         delete from workflow_writes where run_id = (select id from r) and step > $2
       ), a as (
         -- decisions on rolled-back steps do not carry over: a step that runs again asks again
         delete from workflow_approvals where run_id = (select id from r) and step > $2
       )
       select id from r`,
      [runId, step],
    );
    if (truncated.length > 0) return;
    const run = await this.getRun(runId);
    throw run ? badTruncate(runId, step, run.head) : runNotFound(runId);
  }

  /** The database's clock decides expiry, so processes whose clocks disagree still agree on leases. */
  async acquireLease(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw badTtl(runId, ttlMs);
    const { rowCount } = await this.store.query(
      `update workflow_runs set lease_owner = $2, lease_expires = now() + $3::double precision * interval '1 millisecond'
       where id = $1 and (lease_owner is null or lease_owner = $2 or lease_expires <= now())`,
      [runId, owner, ttlMs],
    );
    if (rowCount > 0) return true;
    if (!(await this.#exists('workflow_runs', runId))) throw runNotFound(runId);
    return false;
  }

  async releaseLease(runId: string, owner: string): Promise<void> {
    await this.store.query(
      `update workflow_runs set lease_owner = null, lease_expires = null where id = $1 and lease_owner = $2`,
      [runId, owner],
    );
  }

  /** Oldest first. */
  orphanedRuns(): Promise<WorkflowRunRecord[]> {
    return this.#rows(
      `select ${RUN} from workflow_runs where status = 'running' and (lease_owner is null or lease_expires <= now())
       order by created_at, id`,
      [],
    );
  }

  async createApproval(approval: Args<'createApproval'>[0]): Promise<ApprovalRecord> {
    const { id, runId, step, taskId, index, action, payload, hash } = approval;
    const [record] = await this.#rows<ApprovalRecord>(
      `insert into workflow_approvals (id, run_id, step, task_id, idx, action, payload, hash)
       values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) returning ${APPROVAL}`,
      [id, runId, step, taskId, index, action, json(payload, 'payload'), hash],
    )
      .catch(mapState('23505', (cause) => duplicateApproval(approval, cause)))
      .catch(mapState('23503', () => runNotFound(runId)));
    return record as ApprovalRecord;
  }

  async findApproval(runId: string, taskId: string, index: number): Promise<ApprovalRecord | undefined> {
    const sql = `select ${APPROVAL} from workflow_approvals where run_id = $1 and task_id = $2 and idx = $3`;
    return (await this.#rows<ApprovalRecord>(sql, [runId, taskId, index]))[0];
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    return (
      await this.#rows<ApprovalRecord>(`select ${APPROVAL} from workflow_approvals where id = $1`, [id])
    )[0];
  }

  /** Oldest first. */
  listApprovals(filter: Args<'listApprovals'>[0]): Promise<ApprovalRecord[]> {
    return this.#rows(
      `select ${APPROVAL} from workflow_approvals where ($1::text is null or status = $1)
       and ($2::text is null or run_id = $2) order by created_at, id`,
      [filter.status ?? null, filter.runId ?? null],
    );
  }

  async decideApproval(id: string, decision: Args<'decideApproval'>[1]): Promise<boolean> {
    const { rowCount } = await this.store.query(
      `update workflow_approvals set status = $2, decided_by = $3, note = $4, decided_at = now()
       where id = $1 and status = 'pending'`,
      [id, decision.status, decision.by, decision.note],
    );
    if (rowCount > 0) return true;
    if (!(await this.#exists('workflow_approvals', id))) throw approvalNotFound(id);
    return false;
  }

  /** The size of the run's rows in all four tables (`pg_column_size` of each whole row); 0 for no run. */
  async storedBytes(runId: string): Promise<number | undefined> {
    const size = (table: string, column: string): string =>
      `(select coalesce(sum(pg_column_size(t.*)), 0) from ${table} t where t.${column} = $1)`;
    const [row] = await this.#rows<{ bytes: number | bigint }>(
      `select ${size('workflow_runs', 'id')} + ${size('workflow_steps', 'run_id')}
       + ${size('workflow_writes', 'run_id')} + ${size('workflow_approvals', 'run_id')} as bytes`,
      [runId],
    );
    return Number(row?.bytes ?? 0);
  }

  async #rows<Row extends object>(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return (await this.store.query<Row>(sql, params)).rows;
  }

  async #exists(table: 'workflow_runs' | 'workflow_approvals', id: string): Promise<boolean> {
    return (await this.#rows(`select 1 from ${table} where id = $1`, [id])).length > 0;
  }
}

/** Rethrows a database error with this SQLSTATE as the typed error `as` makes of it; others as they are. */
function mapState(sqlState: string, as: (cause: unknown) => Error): (error: unknown) => never {
  return (error) => {
    throw StoreError.is(error) && error.sqlState === sqlState ? as(error) : error;
  };
}
