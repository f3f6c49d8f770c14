/** Who may claim a task: one named agent, or any worker advertising the capability. */
export type TaskTarget = { agent: string } | { capability: string };

export interface EnqueueInput {
  target: TaskTarget;
  /** What to do ("summarise", "review"): the worker dispatches on it. */
  kind: string;
  /** JSON; stored as JSON, so Dates become strings. */
  payload?: unknown;
  /** Integer in [-1,000,000, 1,000,000]; higher is claimed first, then first enqueued first (default 0). */
  priority?: number;
  /**
   * While a task with this key is retained (see `retentionMs`), enqueueing the same key returns it instead
   * of creating a second task. `once` uses the same kind of key for effects.
   */
  idempotencyKey?: string;
  /** Claims before the task is dead-lettered (default the queue's `maxAttempts`). */
  maxAttempts?: number;
  /** Not claimable before this many milliseconds (default 0). */
  delayMs?: number;
}

export type TaskState = 'queued' | 'claimed' | 'done' | 'dead';

export interface TaskRecord {
  id: string;
  kind: string;
  target: TaskTarget;
  payload: unknown;
  priority: number;
  idempotencyKey: string | null;
  state: TaskState;
  /** Times the task has been claimed (each claim is an attempt, including ones whose worker died). */
  attempts: number;
  maxAttempts: number;
  enqueuedAt: Date;
  /** When it becomes (or became) claimable: later than enqueuedAt after a delay or a retry backoff. */
  availableAt: Date;
  /** The current claim's worker and visibility deadline, while claimed. */
  claimedBy: string | null;
  deadline: Date | null;
  /** Why the last attempt failed (a worker's error, or the visibility timeout). */
  lastError: string | null;
  /** What `ack` recorded (null until done). */
  result: unknown;
  /** When it was acknowledged or dead-lettered. */
  finishedAt: Date | null;
}

/** A task held by a worker until `deadline`; `token` proves the claim to ack, fail and extend. */
export interface ClaimedTask extends TaskRecord {
  state: 'claimed';
  claimedBy: string;
  deadline: Date;
  token: string;
}

export type TaskClaim = Pick<ClaimedTask, 'id' | 'token'>;

export interface ClaimOptions {
  /** The claiming worker's id, recorded on the task. */
  worker: string;
  /** Claim tasks delegated to this agent. */
  agent?: string;
  /** Claim tasks for any of these capabilities. */
  capabilities?: readonly string[];
  /** Without an ack by then, the task returns to the queue (default the queue's). */
  visibilityTimeoutMs?: number;
  /** Wait up to this long for a task when none is ready (default 0: answer at once). */
  waitMs?: number;
}

export interface AckResult {
  /** True when the task was already done (acknowledged by an earlier claim); nothing changed. */
  duplicate: boolean;
}

export interface Failure {
  /** Why the attempt failed; kept on the task as `lastError`. */
  error: string;
  /** False dead-letters at once (a failure that retrying cannot fix). Default true. */
  retry?: boolean;
}

export interface FailResult {
  state: 'queued' | 'dead';
  /** When a retried task becomes claimable again (after the backoff). */
  retryAt: Date | null;
}

export interface OnceResult<T> {
  value: T;
  /** False when the effect had already been applied under this key and was not run again. */
  applied: boolean;
}

/**
 * A task queue for delegating work to agents and capabilities. At least once: a claimed task not
 * acknowledged within its visibility timeout returns to the queue; a failed one is retried after an
 * exponential backoff; after `maxAttempts` claims it goes to the dead-letter queue. Make handlers'
 * effects idempotent with `once`.
 */
export interface TaskQueue {
  /** Adds a task, or returns the retained one with the same idempotency key (`created: false`). */
  enqueue(input: EnqueueInput): Promise<{ task: TaskRecord; created: boolean }>;
  /** The highest-priority ready task for the agent or any of the capabilities, or undefined. */
  claim(options: ClaimOptions): Promise<ClaimedTask | undefined>;
  /** Completes a claimed task. A claim that was lost (timed out and taken over) is a 'conflict'. */
  ack(claim: TaskClaim, result?: unknown): Promise<AckResult>;
  /** Fails an attempt: back to the queue after the backoff, or to the dead-letter queue. */
  fail(claim: TaskClaim, failure: Failure): Promise<FailResult>;
  /** Pushes the claim's deadline `visibilityTimeoutMs` (default the queue's) from now; a heartbeat. */
  extend(claim: TaskClaim, visibilityTimeoutMs?: number): Promise<Date>;
  get(id: string): Promise<TaskRecord | undefined>;
  /** Dead-lettered tasks, oldest first. */
  deadLetters(limit?: number): Promise<TaskRecord[]>;
  /** Moves a dead-lettered task back to the queue with its attempts reset. */
  retryDead(id: string): Promise<TaskRecord>;
  /**
   * Runs `effect` unless one under `key` already completed, whose recorded (JSON) value is returned
   * instead. Concurrent calls with one key run it once: the others wait for it. A process that dies after
   * the effect but before it is recorded leaves it to run again once the lease (`onceLeaseMs`) lapses.
   */
  once<T>(key: string, effect: () => Promise<T> | T): Promise<OnceResult<T>>;
  close(): Promise<void>;
}

export interface BackoffOptions {
  /** The first retry's delay; each later one doubles it (default 1,000 ms). */
  baseMs?: number;
  /** Cap on the delay (default 300,000 ms). */
  maxMs?: number;
}

export interface TaskQueueOptions {
  /** Default 30,000 ms. */
  visibilityTimeoutMs?: number;
  /** Default 5. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /**
   * How long done tasks, idempotency keys and `once` records are kept (default 24 h). Dead-lettered
   * tasks stay until retried.
   */
  retentionMs?: number;
  /** How long a `once` effect may run before another caller may take it over (default 30,000 ms). */
  onceLeaseMs?: number;
  /** How often a waiting claim or `once` looks again (default 50 ms; in process also woken at once). */
  pollIntervalMs?: number;
}
