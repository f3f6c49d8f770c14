import { randomUUID } from 'node:crypto';

import { closedError } from '../bus/errors.js';
import {
  backoffMs,
  claimLost,
  claimTargets,
  claimWaiting,
  normaliseEnqueue,
  notDead,
  parseTargetKey,
  resolveOptions,
  runOnce,
  taskNotFound,
  toJson,
  type OnceBegin,
  type ResolvedOptions,
} from './policy.js';
import type {
  AckResult,
  ClaimedTask,
  ClaimOptions,
  EnqueueInput,
  Failure,
  FailResult,
  OnceResult,
  TaskClaim,
  TaskQueue,
  TaskQueueOptions,
  TaskRecord,
  TaskState,
} from './types.js';

interface Task {
  id: string;
  seq: number;
  kind: string;
  target: string;
  payloadJson: string;
  priority: number;
  idempotencyKey: string | null;
  state: TaskState;
  attempts: number;
  maxAttempts: number;
  enqueuedAt: number;
  availableAt: number;
  claimedBy: string | null;
  deadline: number | null;
  token: string | null;
  lastError: string | null;
  resultJson: string | null;
  finishedAt: number | null;
}

type OnceRecord =
  { status: 'running'; owner: string; expires: number } | { status: 'done'; json: string; expires: number };

export interface InProcessTaskQueueOptions extends TaskQueueOptions {
  /** Milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/** Higher priority first, then first enqueued first. */
const before = (a: Task, b: Task): boolean =>
  a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);

/**
 * The default task queue, in this process's memory: the same contract as RedisTaskQueue (visibility
 * timeouts, backoff, dead letters, idempotency) for one process; nothing survives a restart.
 */
export class InProcessTaskQueue implements TaskQueue {
  private readonly options: ResolvedOptions;
  private readonly now: () => number;
  private readonly tasks = new Map<string, Task>();
  /** Target key → its ready tasks, best first. */
  private readonly ready = new Map<string, Task[]>();
  private readonly waiting = new Set<Task>();
  private readonly claimed = new Set<Task>();
  private readonly idempotency = new Map<string, { id: string; expires: number }>();
  private readonly onceRecords = new Map<string, OnceRecord>();
  private readonly wakers = new Set<() => void>();
  private seq = 0;
  private lastExpiry = 0;
  private closed = false;

  constructor(options: InProcessTaskQueueOptions = {}) {
    this.options = resolveOptions(options);
    this.now = options.now ?? Date.now;
  }

  async enqueue(input: EnqueueInput): Promise<{ task: TaskRecord; created: boolean }> {
    this.ensureOpen();
    const spec = normaliseEnqueue(input, this.options);
    const now = this.now();
    this.expire(now);
    if (spec.idempotencyKey !== null) {
      const existing = this.idempotency.get(spec.idempotencyKey);
      const task = existing && this.tasks.get(existing.id);
      if (task) return { task: record(task), created: false };
    }
    const task: Task = {
      id: randomUUID(),
      seq: ++this.seq,
      kind: spec.kind,
      target: spec.target,
      payloadJson: spec.payloadJson,
      priority: spec.priority,
      idempotencyKey: spec.idempotencyKey,
      state: 'queued',
      attempts: 0,
      maxAttempts: spec.maxAttempts,
      enqueuedAt: now,
      availableAt: now + spec.delayMs,
      claimedBy: null,
      deadline: null,
      token: null,
      lastError: null,
      resultJson: null,
      finishedAt: null,
    };
    this.tasks.set(task.id, task);
    if (spec.idempotencyKey !== null) {
      this.idempotency.set(spec.idempotencyKey, { id: task.id, expires: now + this.options.retentionMs });
    }
    this.makeReady(task, now);
    return { task: record(task), created: true };
  }

  async claim(options: ClaimOptions): Promise<ClaimedTask | undefined> {
    this.ensureOpen();
    const targets = claimTargets(options);
    const visibility = options.visibilityTimeoutMs ?? this.options.visibilityTimeoutMs;
    return claimWaiting(
      async () => this.claimNow(options.worker, targets, visibility),
      options.waitMs ?? 0,
      this.options.pollIntervalMs,
      (signal) =>
        new Promise<void>((resolve) => {
          const wake = (): void => {
            this.wakers.delete(wake);
            resolve();
          };
          this.wakers.add(wake);
          signal.addEventListener('abort', wake, { once: true });
        }),
    );
  }

  async ack(claim: TaskClaim, result?: unknown): Promise<AckResult> {
    this.ensureOpen();
    const resultJson = toJson(result ?? null, 'result');
    const task = this.held(claim);
    if (task === 'done') return { duplicate: true };
    const now = this.now();
    task.state = 'done';
    task.resultJson = resultJson;
    task.finishedAt = now;
    this.release(task);
    // The key outlives the task's record by as long as Redis keeps it, so duplicates stay refused.
    if (task.idempotencyKey !== null) {
      this.idempotency.set(task.idempotencyKey, { id: task.id, expires: now + this.options.retentionMs });
    }
    return { duplicate: false };
  }

  async fail(claim: TaskClaim, failure: Failure): Promise<FailResult> {
    this.ensureOpen();
    const task = this.held(claim);
    if (task === 'done') throw claimLost(claim, 'done');
    const now = this.now();
    task.lastError = failure.error;
    this.release(task);
    if (failure.retry === false || task.attempts >= task.maxAttempts) {
      this.bury(task, now);
      return { state: 'dead', retryAt: null };
    }
    task.state = 'queued';
    task.availableAt = now + backoffMs(this.options, task.attempts);
    this.makeReady(task, now);
    return { state: 'queued', retryAt: new Date(task.availableAt) };
  }

  async extend(claim: TaskClaim, visibilityTimeoutMs?: number): Promise<Date> {
    this.ensureOpen();
    const task = this.held(claim);
    if (task === 'done') throw claimLost(claim, 'done');
    task.deadline = this.now() + (visibilityTimeoutMs ?? this.options.visibilityTimeoutMs);
    return new Date(task.deadline);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    this.ensureOpen();
    this.expire(this.now());
    const task = this.tasks.get(id);
    return task && record(task);
  }

  async deadLetters(limit = 1_000): Promise<TaskRecord[]> {
    this.ensureOpen();
    return [...this.tasks.values()]
      .filter((task) => task.state === 'dead')
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || a.seq - b.seq)
      .slice(0, limit)
      .map(record);
  }

  async retryDead(id: string): Promise<TaskRecord> {
    this.ensureOpen();
    const task = this.tasks.get(id);
    if (!task) throw taskNotFound(id);
    if (task.state !== 'dead') throw notDead(id, task.state);
    const now = this.now();
    Object.assign(task, { state: 'queued', attempts: 0, finishedAt: null, availableAt: now });
    this.makeReady(task, now);
    return record(task);
  }

  async once<T>(key: string, effect: () => Promise<T> | T): Promise<OnceResult<T>> {
    this.ensureOpen();
    return runOnce(
      {
        begin: async (owner): Promise<OnceBegin> => {
          const now = this.now();
          const current = this.onceRecords.get(key);
          if (current && current.expires > now) {
            return current.status === 'done' ? { status: 'done', json: current.json } : { status: 'busy' };
          }
          this.onceRecords.set(key, { status: 'running', owner, expires: now + this.options.onceLeaseMs });
          return { status: 'acquired' };
        },
        finish: async (_owner, json) => {
          this.onceRecords.set(key, { status: 'done', json, expires: this.now() + this.options.retentionMs });
        },
        abandon: async (owner) => {
          const current = this.onceRecords.get(key);
          if (current?.status === 'running' && current.owner === owner) this.onceRecords.delete(key);
        },
      },
      randomUUID(),
      effect,
      this.options.pollIntervalMs,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
  }

  private claimNow(worker: string, targets: string[], visibilityMs: number): ClaimedTask | undefined {
    const now = this.now();
    this.reap(now);
    let best: Task | undefined;
    for (const target of targets) {
      const head = this.ready.get(target)?.[0];
      if (head && (!best || before(head, best))) best = head;
    }
    if (!best) return undefined;
    this.ready.get(best.target)?.shift();
    best.state = 'claimed';
    best.attempts += 1;
    best.claimedBy = worker;
    best.token = randomUUID();
    best.deadline = now + visibilityMs;
    this.claimed.add(best);
    return { ...record(best), token: best.token } as ClaimedTask;
  }

  /** Expired claims go back to the queue (or, out of attempts, to the dead letters); due delays become ready. */
  private reap(now: number): void {
    for (const task of this.claimed) {
      if ((task.deadline ?? 0) > now) continue;
      task.lastError = `No ack from ${task.claimedBy ?? 'the worker'} within the visibility timeout.`;
      this.release(task);
      if (task.attempts >= task.maxAttempts) {
        this.bury(task, now);
      } else {
        task.state = 'queued';
        task.availableAt = now;
        this.makeReady(task, now);
      }
    }
    for (const task of this.waiting) {
      if (task.availableAt > now) continue;
      this.waiting.delete(task);
      this.insertReady(task);
    }
  }

  private makeReady(task: Task, now: number): void {
    if (task.availableAt > now) this.waiting.add(task);
    else this.insertReady(task);
    for (const wake of [...this.wakers]) wake();
  }

  private insertReady(task: Task): void {
    const list = this.ready.get(task.target) ?? [];
    let index = list.findIndex((other) => before(task, other));
    if (index < 0) index = list.length;
    list.splice(index, 0, task);
    this.ready.set(task.target, list);
  }

  /** The task this claim holds, 'done' when it was already acknowledged, else a conflict. */
  private held(claim: TaskClaim): Task | 'done' {
    const task = this.tasks.get(claim.id);
    if (!task) throw taskNotFound(claim.id);
    if (task.state === 'done') return 'done';
    if (task.state !== 'claimed' || task.token !== claim.token) throw claimLost(claim, task.state);
    return task;
  }

  private release(task: Task): void {
    this.claimed.delete(task);
    task.claimedBy = null;
    task.deadline = null;
    task.token = null;
  }

  private bury(task: Task, now: number): void {
    task.state = 'dead';
    task.finishedAt = now;
  }

  /** Drops done tasks, idempotency keys and once records past retention, so a long run stays flat. */
  private expire(now: number): void {
    // A full scan, so at most once a second: retention is hours, a second late does not matter.
    if (now - this.lastExpiry < 1_000) return;
    this.lastExpiry = now;
    const cutoff = now - this.options.retentionMs;
    for (const [id, task] of this.tasks) {
      if (task.state === 'done' && (task.finishedAt ?? now) <= cutoff) this.tasks.delete(id);
    }
    for (const [key, entry] of this.idempotency) if (entry.expires <= now) this.idempotency.delete(key);
    for (const [key, entry] of this.onceRecords) if (entry.expires <= now) this.onceRecords.delete(key);
  }

  private ensureOpen(): void {
    if (this.closed) throw closedError('task queue');
  }
}

function record(task: Task): TaskRecord {
  const base: TaskRecord = {
    id: task.id,
    kind: task.kind,
    target: parseTargetKey(task.target),
    payload: JSON.parse(task.payloadJson) as unknown,
    priority: task.priority,
    idempotencyKey: task.idempotencyKey,
    state: task.state,
    attempts: task.attempts,
    maxAttempts: task.maxAttempts,
    enqueuedAt: new Date(task.enqueuedAt),
    availableAt: new Date(task.availableAt),
    claimedBy: task.claimedBy,
    deadline: task.deadline === null ? null : new Date(task.deadline),
    lastError: task.lastError,
    result: task.resultJson === null ? null : (JSON.parse(task.resultJson) as unknown),
    finishedAt: task.finishedAt === null ? null : new Date(task.finishedAt),
  };
  return base;
}
