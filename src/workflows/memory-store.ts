import { ConflictError, NotFoundError, UserError } from '../errors/index.js';
import type {
  ApprovalRecord,
  CommitOptions,
  StepRecord,
  TaskWrite,
  WorkflowRunRecord,
  WorkflowRunStatus,
  WorkflowStore,
} from './types.js';

export type Args<Method extends keyof WorkflowStore> = Parameters<NonNullable<WorkflowStore[Method]>>;

export interface InMemoryWorkflowStoreOptions {
  /** Milliseconds since the epoch; timestamps and lease expiry use it (default `Date.now`). */
  now?: () => number;
  /**
   * Finished runs (done, failed, cancelled) kept, newest first; older ones are dropped so a long-lived
   * process stays flat in memory (default 10,000; Infinity keeps all). Use the SQL store to keep history.
   */
  maxFinishedRuns?: number;
}

interface RunEntry {
  record: WorkflowRunRecord;
  /** Creation order, to break ties between runs created in the same millisecond. */
  seq: number;
  lease: { owner: string; expires: number } | null;
  steps: Map<number, StepRecord>;
  /** step → task id → write. */
  writes: Map<number, Map<string, TaskWrite>>;
}

/** A deep copy, so neither the caller nor the store can change the other's objects. */
function copy<T>(value: T, what: string): T {
  try {
    return structuredClone(value);
  } catch (cause) {
    throw new UserError('invalid_input', `The workflow ${what} cannot be stored: ${String(cause)}`, {
      cause,
    });
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byTask = (a: TaskWrite, b: TaskWrite): number => compare(a.taskId, b.taskId);

// The errors both workflow stores raise for the same mistakes (sql-store.ts imports them).

export const runNotFound = (runId: string): NotFoundError =>
  new NotFoundError(`No workflow run ${runId}.`, { data: { runId } });

export const approvalNotFound = (approvalId: string): NotFoundError =>
  new NotFoundError(`No approval ${approvalId}.`, { data: { approvalId } });

export const strayWrite = (runId: string, step: number, write: TaskWrite): UserError =>
  new UserError('invalid_input', `Write of task ${write.taskId} is for step ${write.step}, not ${step}.`, {
    data: { runId, step, taskId: write.taskId },
  });

export const headConflict = (runId: string, step: number, head: number): ConflictError =>
  new ConflictError(
    `Cannot commit step ${step} of workflow run ${runId}: its head is already step ${head} (another process may be running it).`,
    { data: { runId, step, head } },
  );

export const leaseLost = (runId: string, step: number, owner: string): UserError =>
  new UserError(
    'lease_held',
    `Cannot commit step ${step} of workflow run ${runId}: ${owner} no longer holds its lease (another process took the run over).`,
    { data: { runId, step, owner } },
  );

export const badTruncate = (runId: string, step: number, head?: number): UserError =>
  new UserError(
    'invalid_input',
    `Cannot truncate workflow run ${runId} to step ${step}${head === undefined ? '' : `: it has steps 0 to ${head}`}.`,
    { data: { runId, step, ...(head === undefined ? {} : { head }) } },
  );

export const badTtl = (runId: string, ttlMs: number): UserError =>
  new UserError('invalid_input', `A lease needs a positive duration, not ${ttlMs} ms.`, {
    data: { runId, ttlMs },
  });

export const duplicateRun = (runId: string, cause?: unknown): UserError =>
  new UserError('conflict', `Workflow run ${runId} already exists.`, { cause, data: { runId } });

export const duplicateApproval = (approval: Args<'createApproval'>[0], cause?: unknown): UserError => {
  const { id, runId, taskId, index } = approval;
  return new UserError(
    'conflict',
    `Approval ${index} of task ${taskId} (run ${runId}) already exists, or id ${id} is taken.`,
    { cause, data: { approvalId: id, runId, taskId, index } },
  );
};

/**
 * Workflow runs in plain Maps, for tests and benchmarks: nothing survives the process. Values are deep
 * copied on the way in and out, and every method validates before it mutates, so each call is atomic.
 */
export class InMemoryWorkflowStore implements WorkflowStore {
  readonly #now: () => number;
  readonly #maxFinished: number;
  readonly #runs = new Map<string, RunEntry>();
  /** Ids of finished runs in the order they finished (Map: insertion-ordered, O(1) delete). */
  readonly #finished = new Map<string, true>();
  readonly #approvals = new Map<string, ApprovalRecord>();
  /** `run \0 task \0 index` → approval id. */
  readonly #approvalKeys = new Map<string, string>();
  #seq = 0;

  constructor(options: InMemoryWorkflowStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxFinished = options.maxFinishedRuns ?? 10_000;
  }

  async createRun(run: Args<'createRun'>[0]): Promise<WorkflowRunRecord> {
    if (this.#runs.has(run.id)) throw duplicateRun(run.id);
    const { id, graph, input, initial, forkedFrom, lease } = copy(run, 'run');
    if (lease && (!(lease.ttlMs > 0) || !Number.isFinite(lease.ttlMs))) throw badTtl(id, lease.ttlMs);
    const now = new Date(this.#now());
    const record: WorkflowRunRecord = {
      id,
      graph,
      status: 'running',
      input,
      head: initial.step,
      error: null,
      forkedFrom: forkedFrom ?? null,
      createdAt: now,
      updatedAt: now,
    };
    const steps = new Map([[initial.step, initial]]);
    const held = lease ? { owner: lease.owner, expires: this.#now() + lease.ttlMs } : null;
    this.#runs.set(id, { record, seq: this.#seq++, lease: held, steps, writes: new Map() });
    return structuredClone(record);
  }

  async getRun(runId: string): Promise<WorkflowRunRecord | undefined> {
    const entry = this.#runs.get(runId);
    return entry && structuredClone(entry.record);
  }

  async listRuns(filter: Args<'listRuns'>[0]): Promise<WorkflowRunRecord[]> {
    return [...this.#runs.values()]
      .filter(({ record }) => (filter.status ?? record.status) === record.status)
      .filter(({ record }) => (filter.graph ?? record.graph) === record.graph)
      .sort((a, b) => b.record.createdAt.getTime() - a.record.createdAt.getTime() || b.seq - a.seq)
      .slice(0, filter.limit ?? 50)
      .map(({ record }) => structuredClone(record));
  }

  /** `error` undefined keeps the stored error; null clears it. */
  async setStatus(
    runId: string,
    status: WorkflowRunStatus,
    error?: Record<string, unknown> | null,
  ): Promise<void> {
    const { record } = this.#entry(runId);
    const stored = error === undefined ? record.error : error === null ? null : copy(error, 'error');
    Object.assign(record, { status, error: stored, updatedAt: new Date(this.#now()) });
    this.#track(runId, status);
  }

  /** Keeps the first write of each task; writes of steps already committed are ignored. */
  async saveWrites(runId: string, writes: readonly TaskWrite[]): Promise<void> {
    const entry = this.#entry(runId);
    this.#addWrites(
      entry,
      copy(writes, 'task writes').filter((write) => write.step > entry.record.head),
    );
  }

  /** The head only moves forward: a step at or below it is a `ConflictError` (another process ran it). */
  async commitStep(
    runId: string,
    record: StepRecord,
    writes: readonly TaskWrite[],
    options: CommitOptions = {},
  ): Promise<void> {
    const entry = this.#entry(runId);
    const stray = writes.find((write) => write.step !== record.step);
    if (stray) throw strayWrite(runId, record.step, stray);
    if (options.owner !== undefined && entry.lease?.owner !== options.owner)
      throw leaseLost(runId, record.step, options.owner);
    if (entry.record.head >= record.step) throw headConflict(runId, record.step, entry.record.head);
    const [step, copied] = [copy(record, 'step'), copy(writes, 'task writes')];
    this.#addWrites(entry, copied);
    entry.steps.set(step.step, step);
    Object.assign(entry.record, { head: step.step, updatedAt: new Date(this.#now()) });
    if (options.finish) {
      Object.assign(entry.record, { status: 'done', error: null });
      entry.lease = null;
      this.#track(runId, 'done');
    }
  }

  async loadSteps(
    runId: string,
    from: number,
    to?: number,
  ): Promise<Array<StepRecord & { writes: TaskWrite[] }>> {
    const entry = this.#runs.get(runId);
    if (!entry) return [];
    return [...entry.steps.values()]
      .filter((step) => step.step >= from && (to === undefined || step.step <= to))
      .sort((a, b) => a.step - b.step)
      .map((step) => ({ ...step, writes: [...(entry.writes.get(step.step)?.values() ?? [])].sort(byTask) }))
      .map((step) => structuredClone(step));
  }

  async latestSnapshot(runId: string, step: number): Promise<StepRecord | undefined> {
    let latest: StepRecord | undefined;
    for (const record of this.#runs.get(runId)?.steps.values() ?? []) {
      if (record.snapshot !== undefined && record.step <= step && record.step > (latest?.step ?? -1)) {
        latest = record;
      }
    }
    return latest && structuredClone(latest);
  }

  async pendingWrites(runId: string, step: number): Promise<TaskWrite[]> {
    const entry = this.#runs.get(runId);
    if (!entry || step <= entry.record.head) return [];
    return structuredClone([...(entry.writes.get(step)?.values() ?? [])].sort(byTask));
  }

  /** Also drops the uncommitted writes after `step`. `step` must be between 0 and the head. */
  async truncate(runId: string, step: number): Promise<void> {
    const entry = this.#entry(runId);
    const { head } = entry.record;
    if (!Number.isInteger(step) || step < 0 || step > head) throw badTruncate(runId, step, head);
    for (const key of entry.steps.keys()) if (key > step) entry.steps.delete(key);
    for (const key of entry.writes.keys()) if (key > step) entry.writes.delete(key);
    // Decisions on rolled-back steps do not carry over: a step that runs again asks again.
    for (const [id, approval] of this.#approvals) {
      if (approval.runId !== runId || approval.step <= step) continue;
      this.#approvals.delete(id);
      this.#approvalKeys.delete(`${approval.runId}\0${approval.taskId}\0${approval.index}`);
    }
    Object.assign(entry.record, { head: step, updatedAt: new Date(this.#now()) });
  }

  async acquireLease(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw badTtl(runId, ttlMs);
    const entry = this.#entry(runId);
    const now = this.#now();
    if (entry.lease && entry.lease.owner !== owner && entry.lease.expires > now) return false;
    entry.lease = { owner, expires: now + ttlMs };
    return true;
  }

  async releaseLease(runId: string, owner: string): Promise<void> {
    const entry = this.#runs.get(runId);
    if (entry?.lease?.owner === owner) entry.lease = null;
  }

  async orphanedRuns(): Promise<WorkflowRunRecord[]> {
    const now = this.#now();
    return [...this.#runs.values()]
      .filter((entry) => entry.record.status === 'running' && (!entry.lease || entry.lease.expires <= now))
      .sort((a, b) => a.record.createdAt.getTime() - b.record.createdAt.getTime() || a.seq - b.seq)
      .map(({ record }) => structuredClone(record));
  }

  async createApproval(approval: Args<'createApproval'>[0]): Promise<ApprovalRecord> {
    this.#entry(approval.runId);
    const key = `${approval.runId}\0${approval.taskId}\0${approval.index}`;
    if (this.#approvals.has(approval.id) || this.#approvalKeys.has(key)) throw duplicateApproval(approval);
    const record: ApprovalRecord = {
      ...copy(approval, 'approval'),
      status: 'pending',
      decidedBy: null,
      note: null,
      createdAt: new Date(this.#now()),
      decidedAt: null,
    };
    this.#approvals.set(record.id, record);
    this.#approvalKeys.set(key, record.id);
    return structuredClone(record);
  }

  async findApproval(runId: string, taskId: string, index: number): Promise<ApprovalRecord | undefined> {
    const id = this.#approvalKeys.get(`${runId}\0${taskId}\0${index}`);
    return id === undefined ? undefined : this.getApproval(id);
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    const record = this.#approvals.get(id);
    return record && structuredClone(record);
  }

  /** Oldest first. */
  async listApprovals(filter: Args<'listApprovals'>[0]): Promise<ApprovalRecord[]> {
    return [...this.#approvals.values()]
      .filter((approval) => (filter.status ?? approval.status) === approval.status)
      .filter((approval) => (filter.runId ?? approval.runId) === approval.runId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.id, b.id))
      .map((record) => structuredClone(record));
  }

  async decideApproval(id: string, decision: Args<'decideApproval'>[1]): Promise<boolean> {
    const record = this.#approvals.get(id);
    if (!record) throw approvalNotFound(id);
    if (record.status !== 'pending') return false;
    const { status, by: decidedBy, note } = decision;
    Object.assign(record, { status, decidedBy, note, decidedAt: new Date(this.#now()) });
    return true;
  }

  /** An estimate: the JSON size of the run's records (there are no rows to measure in memory); 0 for no run. */
  async storedBytes(runId: string): Promise<number | undefined> {
    const entry = this.#runs.get(runId);
    if (!entry) return 0;
    const approvals = [...this.#approvals.values()].filter((approval) => approval.runId === runId);
    const writes = [...entry.writes.values()].flatMap((byTask) => [...byTask.values()]);
    return Buffer.byteLength(JSON.stringify([entry.record, [...entry.steps.values()], writes, approvals]));
  }

  /** Keeps the finished-run order current and drops the oldest finished runs beyond the cap. */
  #track(runId: string, status: WorkflowRunStatus): void {
    this.#finished.delete(runId);
    if (status === 'running' || status === 'waiting') return;
    this.#finished.set(runId, true);
    for (const [oldest] of this.#finished) {
      if (this.#finished.size <= this.#maxFinished) break;
      this.#finished.delete(oldest);
      this.#forget(oldest);
    }
  }

  #forget(runId: string): void {
    this.#runs.delete(runId);
    for (const [id, approval] of this.#approvals) {
      if (approval.runId !== runId) continue;
      this.#approvals.delete(id);
      this.#approvalKeys.delete(`${approval.runId}\0${approval.taskId}\0${approval.index}`);
    }
  }

  #entry(runId: string): RunEntry {
    const entry = this.#runs.get(runId);
    if (!entry) throw runNotFound(runId);
    return entry;
  }

  #addWrites(entry: RunEntry, writes: readonly TaskWrite[]): void {
    for (const write of writes) {
      let byId = entry.writes.get(write.step);
      if (!byId) entry.writes.set(write.step, (byId = new Map()));
      if (!byId.has(write.taskId)) byId.set(write.taskId, write);
    }
  }
}
