import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import { NotFoundError, UserError, type HydraError } from '../errors/index.js';
import { SUBGRAPH_SEPARATOR } from './context.js';
import { execute, type ExecutionResult, type ExecutionStart, type WorkflowEvent } from './executor.js';
import { START, type CompiledGraph } from './graph.js';
import { nextTasks, stateAt } from './state.js';
import type { ApprovalRecord, StepRecord, WorkflowRunRecord, WorkflowStore } from './types.js';

type AnyGraph = CompiledGraph<Record<string, unknown>>;

export interface WorkflowEngineOptions {
  store: WorkflowStore;
  /** Identifies this process in leases (default: host and pid). */
  owner?: string;
  /** How long a lease lasts without renewal; a run whose process died is taken over after this. */
  leaseMs?: number;
  /** Commit every N steps (default 1: every step). Up to N − 1 finished steps re-run after a crash. */
  checkpointEvery?: number;
  /**
   * At most N steps between full state snapshots (default 1000); in between only each task's update is
   * stored. A snapshot is also taken once the updates since the last one outweigh it, so storage stays
   * linear in the work done even when the state grows, and a resume replays at most that much.
   */
  snapshotEvery?: number;
}

export interface WorkflowResult {
  runId: string;
  status: ExecutionResult['status'];
  state: Record<string, unknown>;
  error?: HydraError;
}

export interface HistoryEntry {
  step: number;
  nodes: string[];
  next: string[];
  committedAt: Date;
}

/**
 * Runs durable workflows: starts, resumes after crashes (its own or another process's, guarded by a lease
 * per run), pauses for approvals, and moves runs through time (history, state at a step, fork, rollback).
 */
export class WorkflowEngine {
  readonly store: WorkflowStore;
  readonly owner: string;
  readonly #graphs = new Map<string, AnyGraph>();
  readonly #events = new EventEmitter();
  readonly #active = new Map<string, { controller: AbortController; done: Promise<WorkflowResult> }>();
  readonly #options: Required<Omit<WorkflowEngineOptions, 'store' | 'owner'>>;

  constructor(options: WorkflowEngineOptions) {
    this.store = options.store;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#options = {
      leaseMs: options.leaseMs ?? 30_000,
      checkpointEvery: options.checkpointEvery ?? 1,
      snapshotEvery: options.snapshotEvery ?? 1000,
    };
  }

  // A graph's State is its own zod type; the engine handles states as plain records.
  register<State extends Record<string, unknown>>(graph: CompiledGraph<State>): this {
    this.#graphs.set(graph.name, graph as unknown as AnyGraph);
    return this;
  }

  /** Listens to every run's events. */
  on(listener: (event: WorkflowEvent) => void): () => void {
    this.#events.on('event', listener);
    return () => this.#events.off('event', listener);
  }

  /** Starts a run and waits for it to end (done, waiting for an approval, failed or cancelled). */
  async run(
    graphName: string,
    input: Record<string, unknown>,
    options: { runId?: string } = {},
  ): Promise<WorkflowResult> {
    // Created already leased to this engine, and started from the state just built: no reads back.
    const lease = { owner: this.owner, ttlMs: this.#options.leaseMs };
    const { runId, start } = await this.#create(graphName, input, options, lease);
    return this.#track(runId, (controller) => this.#execute(runId, graphName, controller, start));
  }

  /** Streams a run's events as an async iterator, starting it. */
  async *stream(graphName: string, input: Record<string, unknown>): AsyncGenerator<WorkflowEvent> {
    const runId = await this.create(graphName, input);
    const queue: WorkflowEvent[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    const off = this.on((event) => {
      if (event.runId !== runId) return;
      queue.push(event);
      wake?.();
    });
    const done = this.resume(runId).finally(() => {
      finished = true;
      wake?.();
    });
    try {
      while (!finished || queue.length > 0) {
        const next = queue.shift();
        if (next) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
      await done;
    } finally {
      off();
    }
  }

  /** Creates a run (validating the input) without running it. */
  async create(
    graphName: string,
    input: Record<string, unknown>,
    options: { runId?: string } = {},
  ): Promise<string> {
    return (await this.#create(graphName, input, options)).runId;
  }

  async #create(
    graphName: string,
    input: Record<string, unknown>,
    options: { runId?: string },
    lease?: { owner: string; ttlMs: number },
  ): Promise<{ runId: string; start: ExecutionStart }> {
    const graph = this.#graph(graphName);
    const parsed = graph.schema.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`,
      );
      throw new UserError(
        'invalid_input',
        `Invalid input for workflow "${graphName}": ${problems.join('; ')}`,
        { data: { problems } },
      );
    }
    const state = parsed.data as Record<string, unknown>;
    const runId = options.runId ?? `wf-${randomUUID()}`;
    const initial = nextTasks(graph, [{ id: '0:__start__:0', node: START }], state, {}, 0);
    const record: StepRecord = {
      step: 0,
      tasks: [],
      next: initial.next,
      barriers: initial.barriers,
      snapshot: state,
      committedAt: new Date(),
    };
    await this.store.createRun({
      id: runId,
      graph: graphName,
      input: state,
      initial: record,
      ...(lease ? { lease } : {}),
    });
    return { runId, start: { head: 0, state, record } };
  }

  /**
   * Runs (or continues) a run from its last committed step. Completed steps never run again; the step that
   * was in flight runs again, its finished branches excepted. Calls for a run already running here share it;
   * a run leased by another live process fails with `lease_held`.
   */
  resume(runId: string): Promise<WorkflowResult> {
    return this.#track(runId, (controller) => this.#drive(runId, controller));
  }

  /** Runs `work` as the run's one activity in this engine (a second call shares it), cancellable. */
  #track(
    runId: string,
    work: (controller: AbortController) => Promise<WorkflowResult>,
  ): Promise<WorkflowResult> {
    const active = this.#active.get(runId);
    if (active) return active.done;
    const controller = new AbortController();
    const done = work(controller).finally(() => this.#active.delete(runId));
    this.#active.set(runId, { controller, done });
    return done;
  }

  /** Resumes every run a dead process left running (expired lease). Returns their results. */
  async recover(): Promise<WorkflowResult[]> {
    const orphans = await this.store.orphanedRuns();
    const known = orphans.filter((run) => this.#graphs.has(run.graph));
    return Promise.all(
      known.map((run) =>
        this.resume(run.id).catch((error: unknown) => ({
          runId: run.id,
          status: 'failed' as const,
          state: {},
          error: error as HydraError,
        })),
      ),
    );
  }

  /** Stops a run: its in-flight nodes see their signal abort, and it ends as cancelled. */
  async cancel(runId: string): Promise<void> {
    const run = await this.#run(runId);
    const active = this.#active.get(runId);
    if (active) {
      active.controller.abort(new UserError('invalid_input', `Run ${runId} was cancelled.`));
      await active.done.catch(() => undefined);
    }
    if (run.status !== 'done') await this.store.setStatus(runId, 'cancelled', null);
  }

  getRun(runId: string): Promise<WorkflowRunRecord> {
    return this.#run(runId);
  }

  listRuns(filter: Parameters<WorkflowStore['listRuns']>[0] = {}): Promise<WorkflowRunRecord[]> {
    return this.store.listRuns(filter);
  }

  // ---- approvals ----------------------------------------------------------------------------------------

  pendingApprovals(runId?: string): Promise<ApprovalRecord[]> {
    return this.store.listApprovals({ status: 'pending', ...(runId ? { runId } : {}) });
  }

  /**
   * Decides an approval and resumes its run. The decision must quote the approval's hash (it binds the
   * decision to exactly the action that was shown), and an approval can be decided once.
   */
  async decide(
    approvalId: string,
    decision: { approve: boolean; hash: string; by: string; note?: string },
  ): Promise<WorkflowResult> {
    const approval = await this.store.getApproval(approvalId);
    if (!approval) throw new NotFoundError(`No approval ${approvalId}.`, { data: { approvalId } });
    if (approval.hash !== decision.hash) {
      throw new UserError(
        'approval_invalid',
        `The decision's hash does not match approval ${approvalId}: it was made for a different action. Read the request again (hydra approvals list).`,
        {
          data: { approvalId },
        },
      );
    }
    const recorded = await this.store.decideApproval(approvalId, {
      status: decision.approve ? 'approved' : 'rejected',
      by: decision.by,
      note: decision.note ?? null,
    });
    if (!recorded)
      throw new UserError(
        'approval_invalid',
        `Approval ${approvalId} was already decided (${approval.status}); a decision is usable once.`,
        { data: { approvalId } },
      );
    await this.store.setStatus(approval.runId, 'running', null);
    let result = await this.resume(approval.runId);
    // An approval inside a subgraph also holds up its parents: resume them, innermost first.
    for (let child = approval.runId; child.includes(SUBGRAPH_SEPARATOR) && result.status !== 'waiting';) {
      child = child.slice(0, child.lastIndexOf(SUBGRAPH_SEPARATOR));
      await this.store.setStatus(child, 'running', null);
      result = await this.resume(child);
    }
    return result;
  }

  // ---- time travel -------------------------------------------------------------------------------------

  async history(runId: string): Promise<HistoryEntry[]> {
    await this.#run(runId);
    const steps = await this.store.loadSteps(runId, 0);
    return steps.map((step) => ({
      step: step.step,
      nodes: step.tasks.map((task) => task.node),
      next: step.next.map((task) => task.node),
      committedAt: step.committedAt,
    }));
  }

  async stateAt(runId: string, step?: number): Promise<Record<string, unknown>> {
    const run = await this.#run(runId);
    const at = step ?? run.head;
    if (at < 0 || at > run.head)
      throw new UserError(
        'invalid_input',
        `Run ${runId} has steps 0 to ${run.head}; there is no step ${at}.`,
      );
    return (await stateAt(this.store, this.#graph(run.graph), runId, at)).state;
  }

  /** A new run that starts from `step` of another (with an optional state edit) and continues on its own. */
  async fork(runId: string, step: number, edit: Record<string, unknown> = {}): Promise<string> {
    const run = await this.#run(runId);
    const graph = this.#graph(run.graph);
    const { state, record } = await stateAt(this.store, graph, runId, step);
    const edited = graph.schema.parse({ ...state, ...edit }) as Record<string, unknown>;
    const forkId = `wf-${randomUUID()}`;
    const initial: StepRecord = {
      step: 0,
      tasks: [],
      next: record.next.map((task, index) => ({ ...task, id: `1:${task.node}:${index}` })),
      barriers: record.barriers,
      snapshot: edited,
      committedAt: new Date(),
    };
    await this.store.createRun({
      id: forkId,
      graph: run.graph,
      input: edited,
      initial,
      forkedFrom: { runId, step },
    });
    return forkId;
  }

  /** Rolls a run back to an earlier step: later steps are discarded and the run can be resumed from there. */
  async rollback(runId: string, step: number): Promise<void> {
    const run = await this.#run(runId);
    if (this.#active.has(runId))
      throw new UserError('invalid_input', `Run ${runId} is running; cancel it before rolling it back.`);
    if (step < 0 || step > run.head)
      throw new UserError(
        'invalid_input',
        `Run ${runId} has steps 0 to ${run.head}; cannot roll back to ${step}.`,
      );
    await this.store.truncate(runId, step);
    await this.store.setStatus(runId, 'running', null);
  }

  /** Cancels runs in progress here and waits for them to stop. */
  async close(): Promise<void> {
    const running = [...this.#active.values()];
    for (const run of running)
      run.controller.abort(new UserError('invalid_input', 'The workflow engine closed.'));
    await Promise.allSettled(running.map((run) => run.done));
  }

  async #drive(runId: string, controller: AbortController): Promise<WorkflowResult> {
    const run = await this.#run(runId);
    if (run.status === 'done' || run.status === 'cancelled')
      return { runId, status: run.status, state: await this.stateAt(runId) };
    if (run.status === 'waiting' && (await this.pendingApprovals(runId)).length > 0)
      return { runId, status: 'waiting', state: await this.stateAt(runId) };
    if (!(await this.store.acquireLease(runId, this.owner, this.#options.leaseMs))) {
      throw new UserError(
        'lease_held',
        `Run ${runId} is being run by another process (its lease has not expired); try again after ${this.#options.leaseMs} ms.`,
        {
          data: { runId },
        },
      );
    }
    await this.store.setStatus(runId, 'running', null);
    return this.#execute(runId, run.graph, controller);
  }

  /** Executes a run whose lease this engine holds, renewing the lease until it ends. */
  async #execute(
    runId: string,
    graphName: string,
    controller: AbortController,
    start?: ExecutionStart,
  ): Promise<WorkflowResult> {
    const renew = setInterval(
      () => void this.store.acquireLease(runId, this.owner, this.#options.leaseMs).catch(() => undefined),
      this.#options.leaseMs / 3,
    );
    renew.unref();
    let status: WorkflowResult['status'] | undefined;
    try {
      const result = await execute(
        this.store,
        this.#graph(graphName),
        runId,
        {
          checkpointEvery: this.#options.checkpointEvery,
          snapshotEvery: this.#options.snapshotEvery,
          signal: controller.signal,
          emit: (event) => this.#events.emit('event', event),
          owner: this.owner,
        },
        start,
      );
      status = result.status;
      if (result.status === 'cancelled') await this.store.setStatus(runId, 'cancelled', null);
      return { runId, ...result };
    } finally {
      clearInterval(renew);
      // A run that finished released its lease with its last commit.
      if (status !== 'done') await this.store.releaseLease(runId, this.owner).catch(() => undefined);
    }
  }

  async #run(runId: string): Promise<WorkflowRunRecord> {
    const run = await this.store.getRun(runId);
    if (!run)
      throw new NotFoundError(`No workflow run ${runId}. List them with: hydra runs list`, {
        data: { runId },
      });
    return run;
  }

  #graph(name: string): AnyGraph {
    const graph = this.#graphs.get(name);
    if (!graph)
      throw new NotFoundError(
        `No workflow named "${name}" is registered; registered: ${[...this.#graphs.keys()].join(', ') || 'none'}.`,
      );
    return graph;
  }
}
