import { createHash, randomUUID } from 'node:crypto';

import { AbortedError, HydraError, UserError } from '../errors/index.js';
import { WorkflowInterrupt, isInterrupt, type ApprovalDecision, type NodeContext } from './context.js';
import type { CompiledGraph } from './graph.js';
import { applyStep, nextTasks, stateAt } from './state.js';
import type { StepRecord, TaskSpec, TaskWrite, WorkflowStore } from './types.js';

type AnyGraph = CompiledGraph<Record<string, unknown>>;

/** The typed events of a run, in order. */
export type WorkflowEvent =
  | { type: 'run-started'; runId: string; graph: string; step: number }
  | { type: 'step-started'; runId: string; step: number; tasks: TaskSpec[] }
  | {
      type: 'step-finished';
      runId: string;
      step: number;
      delta: Array<{ node: string; update: Record<string, unknown> }>;
    }
  | { type: 'node-output'; runId: string; step: number; taskId: string; data: unknown }
  | {
      type: 'interrupt';
      runId: string;
      step: number;
      approvalId: string;
      action: string;
      payload: unknown;
      hash: string;
    }
  | { type: 'run-error'; runId: string; error: Record<string, unknown> }
  | {
      type: 'run-finished';
      runId: string;
      status: 'done' | 'waiting' | 'failed' | 'cancelled';
      state: Record<string, unknown>;
    };

export interface ExecutionOptions {
  /** Commit every N steps (1 = every step, the default); the steps since the last commit re-run after a crash. */
  checkpointEvery: number;
  /**
   * The most steps between two snapshots of the whole state; between them only each task's update is
   * stored. A snapshot is also taken as soon as the updates stored since the last one outweigh it.
   */
  snapshotEvery: number;
  signal: AbortSignal;
  emit: (event: WorkflowEvent) => void;
  /** The lease owner: commits are fenced on it, so a process that lost the run cannot commit to it. */
  owner?: string;
}

/** Where a run starts when the caller already knows (a run it just created): saves reading it back. */
export interface ExecutionStart {
  head: number;
  state: Record<string, unknown>;
  record: StepRecord;
}

export type ExecutionResult = {
  status: 'done' | 'waiting' | 'failed' | 'cancelled';
  state: Record<string, unknown>;
  error?: HydraError;
};

/** The hash a decision must quote: binds it to this run, task and exactly this action. */
export function approvalHash(
  runId: string,
  taskId: string,
  index: number,
  action: string,
  payload: unknown,
): string {
  return createHash('sha256')
    .update(JSON.stringify([runId, taskId, index, action, payload]))
    .digest('hex');
}

/**
 * Runs a workflow from its last committed step until it ends, pauses for an approval, fails or is cancelled.
 * Each step's tasks run in parallel; their updates are committed with the step record in one transaction
 * before the next step starts. When a task fails or pauses, the updates of its finished siblings are saved,
 * so on resume only the unfinished tasks of that step run again.
 */
export async function execute(
  store: WorkflowStore,
  graph: AnyGraph,
  runId: string,
  options: ExecutionOptions,
  start?: ExecutionStart,
): Promise<ExecutionResult> {
  let { head, state, record } = start ?? (await startOf(store, graph, runId));
  options.emit({ type: 'run-started', runId, graph: graph.name, step: head });
  const unflushed: Array<{ record: StepRecord; writes: TaskWrite[] }> = [];
  let finished = false;
  const flush = async (finish = false): Promise<void> => {
    const pending = unflushed.splice(0);
    for (const [index, { record: step, writes }] of pending.entries()) {
      const last = finish && index === pending.length - 1;
      await store.commitStep(runId, step, writes, {
        ...(options.owner === undefined ? {} : { owner: options.owner }),
        ...(last ? { finish: true } : {}),
      });
      finished ||= last;
    }
  };
  const snapshots = new SnapshotPolicy(options.snapshotEvery, head, state);
  // Writes kept from an earlier attempt exist only for the first step this execution runs: later steps
  // are this process's own, under its lease. A fresh run has none.
  let loadPending = start === undefined;
  try {
    while (record.next.length > 0) {
      if (options.signal.aborted) {
        await flush();
        return { status: 'cancelled', state };
      }
      const step = head + 1;
      if (step > graph.recursionLimit) {
        throw new UserError(
          'recursion_limit',
          `Workflow "${graph.name}" reached its step limit (${graph.recursionLimit}) without finishing; raise recursionLimit or check for a loop in its routing.`,
          { data: { runId, step, limit: graph.recursionLimit } },
        );
      }
      const tasks = record.next;
      options.emit({ type: 'step-started', runId, step, tasks });
      const done = loadPending ? await store.pendingWrites(runId, step) : [];
      loadPending = false;
      const doneIds = new Set(done.map((write) => write.taskId));
      const outcomes = await Promise.allSettled(
        tasks
          .filter((task) => !doneIds.has(task.id))
          .map((task) => runTask(store, graph, runId, step, task, state, options)),
      );
      const writes = [...done];
      let failure: unknown;
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') writes.push(outcome.value);
        else failure ??= outcome.reason;
      }
      if (failure !== undefined) {
        await flush();
        // Finished branches keep their work; only the failed or paused ones run again.
        await store.saveWrites(
          runId,
          writes.filter((write) => !doneIds.has(write.taskId)),
        );
        throw failure;
      }
      state = applyStep(graph, state, tasks, writes);
      const routed = nextTasks(graph, tasks, state, record.barriers, step);
      record = {
        step,
        tasks,
        next: routed.next,
        barriers: routed.barriers,
        ...(snapshots.due(step, writes, routed.next.length === 0, state) ? { snapshot: state } : {}),
        committedAt: new Date(),
      };
      unflushed.push({ record, writes: writes.filter((write) => !doneIds.has(write.taskId)) });
      if (routed.next.length === 0) await flush(true);
      else if (unflushed.length >= options.checkpointEvery) await flush();
      head = step;
      options.emit({
        type: 'step-finished',
        runId,
        step,
        delta: writes.map((write) => ({ node: write.node, update: write.update })),
      });
    }
    if (!finished) {
      // A graph with no step to run: nothing was committed to carry the status and the lease release.
      await store.setStatus(runId, 'done', null);
      if (options.owner !== undefined) await store.releaseLease(runId, options.owner);
    }
    options.emit({ type: 'run-finished', runId, status: 'done', state });
    return { status: 'done', state };
  } catch (error) {
    // Another process took the run over: it is theirs now; leave its status alone.
    if (HydraError.isInstance(error) && error.code === 'lease_held') throw error;
    await flush().catch(() => undefined);
    if (isInterrupt(error)) {
      await store.setStatus(runId, 'waiting', null);
      const approval = await store.getApproval(error.approvalId);
      if (approval) {
        options.emit({
          type: 'interrupt',
          runId,
          step: approval.step,
          approvalId: approval.id,
          action: approval.action,
          payload: approval.payload,
          hash: approval.hash,
        });
      }
      options.emit({ type: 'run-finished', runId, status: 'waiting', state });
      return { status: 'waiting', state };
    }
    if (options.signal.aborted) {
      options.emit({ type: 'run-finished', runId, status: 'cancelled', state });
      return { status: 'cancelled', state };
    }
    const failure = HydraError.isInstance(error)
      ? error
      : new UserError(
          'invalid_input',
          `A node of workflow "${graph.name}" failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
    await store.setStatus(runId, 'failed', failure.toJSON());
    options.emit({ type: 'run-error', runId, error: failure.toJSON() });
    options.emit({ type: 'run-finished', runId, status: 'failed', state });
    return { status: 'failed', state, error: failure };
  }
}

/**
 * When to store the whole state. Every N steps alone is quadratic for a state that grows (a transcript,
 * a trail): each snapshot copies everything so far. So a snapshot is also due once the updates stored since
 * the last one weigh as much as it did: snapshots then cost at most as much as the updates, and storage
 * grows linearly with the work done, while a resume replays at most a snapshot's worth of updates.
 */
class SnapshotPolicy {
  readonly #every: number;
  #lastStep: number;
  #lastBytes: number;
  #deltaBytes = 0;

  /** From the state at `head` (after a resume: as if a snapshot were there; at most doubles a replay). */
  constructor(every: number, head: number, state: Record<string, unknown>) {
    this.#every = every;
    this.#lastStep = head;
    this.#lastBytes = jsonBytes(state);
  }

  /** Whether step `step`, which made `writes` and leads to `state`, stores a snapshot. */
  due(step: number, writes: readonly TaskWrite[], last: boolean, state: Record<string, unknown>): boolean {
    for (const write of writes) this.#deltaBytes += jsonBytes(write.update);
    if (!last && step - this.#lastStep < this.#every && this.#deltaBytes < this.#lastBytes) return false;
    this.#lastStep = step;
    this.#deltaBytes = 0;
    this.#lastBytes = jsonBytes(state);
    return true;
  }
}

const jsonBytes = (value: unknown): number => JSON.stringify(value)?.length ?? 0;

async function startOf(store: WorkflowStore, graph: AnyGraph, runId: string): Promise<ExecutionStart> {
  const run = await store.getRun(runId);
  if (!run) throw new UserError('invalid_input', `No workflow run ${runId}.`);
  return { head: run.head, ...(await stateAt(store, graph, runId, run.head)) };
}

async function runTask(
  store: WorkflowStore,
  graph: AnyGraph,
  runId: string,
  step: number,
  task: TaskSpec,
  state: Record<string, unknown>,
  options: ExecutionOptions,
): Promise<TaskWrite> {
  const node = graph.nodes.get(task.node);
  if (!node) throw new UserError('invalid_input', `Workflow "${graph.name}" has no node "${task.node}".`);
  const retry = node.options.retry;
  const maxAttempts = retry?.maxAttempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(options.signal.reason);
    options.signal.addEventListener('abort', onAbort, { once: true });
    let approvals = 0;
    const context: NodeContext = {
      runId,
      step,
      taskId: task.id,
      idempotencyKey: `${runId}:${task.id}`,
      input: task.input,
      attempt,
      signal: controller.signal,
      approval: (request) => requestApproval(store, runId, step, task.id, approvals++, request),
      emit: (data) => options.emit({ type: 'node-output', runId, step, taskId: task.id, data }),
    };
    try {
      const update = await withTimeout(
        Promise.resolve(node.run(structuredClone(state), context)),
        node.options.timeoutMs,
        controller,
        task,
      );
      return { step, taskId: task.id, node: task.node, update: (update ?? {}) as Record<string, unknown> };
    } catch (error) {
      if (isInterrupt(error) || options.signal.aborted) throw error;
      const retryable = retry?.retryOn
        ? retry.retryOn(error)
        : HydraError.isInstance(error) && error.retryable;
      if (attempt >= maxAttempts || !retryable) throw error;
      const delay = Math.min(retry?.maxDelayMs ?? 10_000, (retry?.baseDelayMs ?? 100) * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
  }
}

async function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number | undefined,
  controller: AbortController,
  task: TaskSpec,
): Promise<T> {
  if (timeoutMs === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new NodeTimeoutError(`Node "${task.node}" timed out after ${timeoutMs} ms.`, task);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A node that ran past its timeout: retryable, since the next attempt may be faster. */
class NodeTimeoutError extends AbortedError {
  override readonly retryable = true;
  constructor(message: string, task: TaskSpec) {
    super(message, { data: { node: task.node, taskId: task.id } });
  }
}

async function requestApproval(
  store: WorkflowStore,
  runId: string,
  step: number,
  taskId: string,
  index: number,
  request: { action: string; payload: unknown },
): Promise<ApprovalDecision> {
  const existing = await store.findApproval(runId, taskId, index);
  const hash = approvalHash(runId, taskId, index, request.action, request.payload);
  if (existing) {
    if (existing.hash !== hash) {
      throw new UserError(
        'approval_invalid',
        `The approval requested by task ${taskId} changed since it was asked (${existing.action} → ${request.action}); a node must ask for the same action when it runs again.`,
        { data: { approvalId: existing.id } },
      );
    }
    if (existing.status === 'pending')
      throw new WorkflowInterrupt(`Waiting for approval ${existing.id}: ${existing.action}.`, existing.id);
    return {
      approved: existing.status === 'approved',
      by: existing.decidedBy ?? 'unknown',
      note: existing.note,
    };
  }
  const created = await store.createApproval({
    id: `approval-${randomUUID()}`,
    runId,
    step,
    taskId,
    index,
    action: request.action,
    payload: request.payload,
    hash,
  });
  throw new WorkflowInterrupt(`Waiting for approval ${created.id}: ${created.action}.`, created.id);
}
