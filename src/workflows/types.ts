/** The identity and status of a workflow run, as stored. */
export type WorkflowRunStatus = 'running' | 'waiting' | 'done' | 'failed' | 'cancelled';

/** One unit of work in a step: a node, with its own input when it was sent by a fan-out. */
export interface TaskSpec {
  /** Stable across retries and resumes: `<step>:<node>:<n>`; the idempotency key of the task's side effects. */
  id: string;
  node: string;
  /** Per-branch input of a fan-out (`send`); undefined for ordinary tasks, which read the state. */
  input?: unknown;
}

export interface WorkflowRunRecord {
  id: string;
  graph: string;
  status: WorkflowRunStatus;
  input: unknown;
  /** The last committed step (0 = the initial state). */
  head: number;
  error: Record<string, unknown> | null;
  forkedFrom: { runId: string; step: number } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a committed step records: the tasks it ran, what runs next, and (periodically) the whole state. */
export interface StepRecord {
  step: number;
  tasks: TaskSpec[];
  next: TaskSpec[];
  /** Fan-in progress: for a join node, the sources that have finished since it last ran. */
  barriers: Record<string, string[]>;
  snapshot?: Record<string, unknown>;
  committedAt: Date;
}

/** A task's state update, kept even when a sibling in the same step fails. */
export interface TaskWrite {
  step: number;
  taskId: string;
  node: string;
  update: Record<string, unknown>;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

/** A durable pause: exactly what the action is, and the hash a decision must quote. */
export interface ApprovalRecord {
  id: string;
  runId: string;
  step: number;
  taskId: string;
  /** Position of this request among the task's approval requests (a task may ask more than once). */
  index: number;
  action: string;
  payload: unknown;
  hash: string;
  status: ApprovalStatus;
  decidedBy: string | null;
  note: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

export interface CommitOptions {
  /** Fencing: commit only while this owner holds the lease. */
  owner?: string;
  /** The last step: mark the run done and release its lease in the same transaction. */
  finish?: boolean;
}

/**
 * Where workflow runs live. Implementations: in memory (tests) and SQL on the Store (PGlite or PostgreSQL).
 * `commitStep` must be atomic: the step's writes and its record together, or nothing.
 */
export interface WorkflowStore {
  createRun(run: {
    id: string;
    graph: string;
    input: unknown;
    initial: StepRecord;
    forkedFrom?: { runId: string; step: number };
    /** Create it leased to this owner (a fresh run about to be driven: saves taking the lease after). */
    lease?: { owner: string; ttlMs: number };
  }): Promise<WorkflowRunRecord>;
  getRun(runId: string): Promise<WorkflowRunRecord | undefined>;
  listRuns(filter: {
    status?: WorkflowRunStatus;
    graph?: string;
    limit?: number;
  }): Promise<WorkflowRunRecord[]>;
  setStatus(runId: string, status: WorkflowRunStatus, error?: Record<string, unknown> | null): Promise<void>;
  /** Writes of finished tasks whose step was not committed (a sibling failed, or the process died). */
  saveWrites(runId: string, writes: readonly TaskWrite[]): Promise<void>;
  /**
   * Atomically: the step's remaining writes, the step record, and the run's head. With `owner`, only while
   * that owner holds the run's lease (else a `lease_held` ConflictError: another process took the run over);
   * with `finish`, the run also becomes done and its lease is released, in the same transaction.
   */
  commitStep(
    runId: string,
    record: StepRecord,
    writes: readonly TaskWrite[],
    options?: CommitOptions,
  ): Promise<void>;
  /** Steps from `fromStep` (inclusive) up to the head, in order, with their writes. */
  loadSteps(
    runId: string,
    fromStep: number,
    toStep?: number,
  ): Promise<Array<StepRecord & { writes: TaskWrite[] }>>;
  /** The latest step at or before `step` that holds a snapshot. */
  latestSnapshot(runId: string, step: number): Promise<StepRecord | undefined>;
  /** Uncommitted writes of the step after the head. */
  pendingWrites(runId: string, step: number): Promise<TaskWrite[]>;
  /** Drops steps after `step` (rollback) and their writes; the head becomes `step`. */
  truncate(runId: string, step: number): Promise<void>;
  /** Takes or renews the run's lease; false when another owner holds an unexpired lease. */
  acquireLease(runId: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(runId: string, owner: string): Promise<void>;
  /** Runs marked running whose lease is free or expired: left by a process that died. */
  orphanedRuns(): Promise<WorkflowRunRecord[]>;
  createApproval(
    approval: Omit<ApprovalRecord, 'status' | 'decidedBy' | 'note' | 'createdAt' | 'decidedAt'>,
  ): Promise<ApprovalRecord>;
  findApproval(runId: string, taskId: string, index: number): Promise<ApprovalRecord | undefined>;
  getApproval(id: string): Promise<ApprovalRecord | undefined>;
  listApprovals(filter: { status?: ApprovalStatus; runId?: string }): Promise<ApprovalRecord[]>;
  /** Records a decision only if the approval is still pending; false when it was already decided. */
  decideApproval(
    id: string,
    decision: { status: 'approved' | 'rejected'; by: string; note: string | null },
  ): Promise<boolean>;
  /** Bytes the run's rows occupy (for the storage benchmark); undefined when not measurable. */
  storedBytes?(runId: string): Promise<number | undefined>;
}
