import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import { HydraError, NotFoundError, UserError } from '../../errors/index.js';
import type { Kernel } from '../../kernel/index.js';
import type { TokenUsage } from '../../models/index.js';
import { zeroUsage } from './budget.js';
import { llmExecutor, type TaskExecutor } from './roles.js';
import { TreeRun } from './tree-run.js';
import type {
  NewTaskNode,
  TaskNodeError,
  TaskNodeRecord,
  TaskTreeEvent,
  TaskTreeLimits,
  TaskTreeRecord,
  TaskTreeStore,
} from './types.js';

export const DEFAULT_LIMITS: TaskTreeLimits = {
  maxDepth: 3,
  maxSubtasks: 6,
  maxAttempts: 2,
  answerAttempts: 3,
};

export interface RecursiveTeamOptions {
  kernel: Kernel;
  store: TaskTreeStore;
  /** Runs atomic tasks; default one model call ({@link llmExecutor}). */
  executor?: TaskExecutor;
  /** Defaults for new trees; a tree keeps the limits it was created with. */
  limits?: Partial<TaskTreeLimits>;
  /** Which backend's model the atomizer, planner and aggregator use (a model id); default: any. */
  model?: string;
  /** Cap on each aggregator answer. */
  maxTokens?: number;
  /** Priority of the tree's syscalls in the kernel. */
  priority?: number;
  /** Identifies this process in trees' leases (default: host, pid and a random suffix). */
  owner?: string;
  /**
   * How long a tree's lease lasts without renewal (default 30 000 ms). It is renewed every third of that
   * while the tree runs; a tree whose process died is taken over once it expired.
   */
  leaseMs?: number;
}

export interface RecursiveRunOptions {
  /** A caller-chosen id; running an existing id resumes that tree (idempotent). */
  treeId?: string;
  limits?: Partial<TaskTreeLimits>;
  onEvent?: (event: TaskTreeEvent) => void;
  /** Stops the tree: in-flight nodes stay `running` in the store, so `resume` re-runs them. */
  signal?: AbortSignal;
}

export interface RecursiveTeamResult {
  treeId: string;
  status: 'done' | 'failed';
  result: string | null;
  error: TaskNodeError | null;
  usage: TokenUsage;
  costUsd: number;
  nodes: TaskNodeRecord[];
}

/**
 * The recursive meta-agent: an atomizer decides whether a goal is atomic (an executor does it) or composite
 * (a planner splits it into a DAG of subtasks, each handled the same way, independent ones in parallel, and
 * an aggregator merges their results). Every model call is a kernel syscall of the node that makes it, and
 * every transition is committed to the store before the next step, so `resume` continues a tree whose
 * process died without redoing finished nodes (a node that was in flight runs again).
 */
export class RecursiveTeam {
  /** This team's name in trees' leases. */
  readonly owner: string;
  readonly leaseMs: number;
  readonly #options: RecursiveTeamOptions;
  readonly #executor: TaskExecutor;
  readonly #listeners = new Set<(event: TaskTreeEvent) => void>();
  /** Trees this team is running: the lease is per owner, so a second call here shares the first's run. */
  readonly #active = new Map<string, Promise<RecursiveTeamResult>>();

  constructor(options: RecursiveTeamOptions) {
    this.#options = options;
    this.#executor = options.executor ?? llmExecutor();
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseMs = options.leaseMs ?? 30_000;
    if (!(this.leaseMs > 0) || !Number.isFinite(this.leaseMs))
      throw new UserError('invalid_input', `leaseMs must be a positive duration, not ${this.leaseMs}.`);
  }

  /** Every tree's events (in addition to a run's own `onEvent`); returns the unsubscribe function. */
  on(listener: (event: TaskTreeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async run(goal: string, options: RecursiveRunOptions = {}): Promise<RecursiveTeamResult> {
    const { store } = this.#options;
    if (options.treeId !== undefined && (await store.getTree(options.treeId)))
      return this.resume(options.treeId, options);
    const treeId = options.treeId ?? `tree-${randomUUID()}`;
    const limits = { ...DEFAULT_LIMITS, ...this.#options.limits, ...options.limits };
    const root: NewTaskNode = { id: 'root', parentId: null, seq: 0, depth: 0, goal, dependsOn: [] };
    // Created already leased to this team: no other process can start it in between.
    await store.createTree(
      { id: treeId, goal, limits, lease: { owner: this.owner, ttlMs: this.leaseMs } },
      root,
    );
    return this.#drive(treeId, false, options);
  }

  /**
   * Continues a tree from its committed state; a finished tree just returns its outcome. A tree another
   * live process is running (its lease has not expired) fails with `lease_held`; a call for a tree this team
   * is already running shares that run (its `onEvent` and `signal` are not used: see `on`).
   */
  resume(
    treeId: string,
    options: Omit<RecursiveRunOptions, 'treeId' | 'limits'> = {},
  ): Promise<RecursiveTeamResult> {
    return this.#drive(treeId, true, options);
  }

  /**
   * Resumes every tree still marked running whose process died (its lease is free or expired), one after
   * another. Trees another live process is running are skipped.
   */
  async recover(
    options: Omit<RecursiveRunOptions, 'treeId' | 'limits'> = {},
  ): Promise<RecursiveTeamResult[]> {
    const results: RecursiveTeamResult[] = [];
    for (const tree of await this.#options.store.listTrees({ status: 'running', limit: 1_000 })) {
      try {
        results.push(await this.resume(tree.id, options));
      } catch (error) {
        if (!(HydraError.isInstance(error) && error.code === 'lease_held')) throw error;
      }
    }
    return results;
  }

  #drive(treeId: string, resumed: boolean, options: RecursiveRunOptions): Promise<RecursiveTeamResult> {
    const active = this.#active.get(treeId);
    if (active) return active;
    const done = this.#leased(treeId, resumed, options).finally(() => this.#active.delete(treeId));
    this.#active.set(treeId, done);
    return done;
  }

  /** Runs a tree under its lease: taken first (a fresh tree has it already), renewed, freed at the end. */
  async #leased(
    treeId: string,
    resumed: boolean,
    options: RecursiveRunOptions,
  ): Promise<RecursiveTeamResult> {
    const { store } = this.#options;
    if (!(await store.acquireLease(treeId, this.owner, this.leaseMs)))
      throw new UserError(
        'lease_held',
        `Tree ${treeId} is being run by another process (its lease has not expired); try again after ${this.leaseMs} ms.`,
        { data: { treeId } },
      );
    // Lost to another process (this one stalled past the lease): stop, and its fenced writes are refused anyway.
    const lost = new AbortController();
    const renew = setInterval(() => {
      store.acquireLease(treeId, this.owner, this.leaseMs).then(
        (held) => {
          if (!held) lost.abort(leaseLostError(treeId, this.owner));
        },
        () => undefined, // a failed renewal is retried at the next tick; the lease outlives two of them
      );
    }, this.leaseMs / 3);
    renew.unref();
    try {
      const loaded = await store.getTree(treeId);
      if (!loaded) throw new NotFoundError(`No task tree with id ${treeId}.`, { data: { treeId } });
      if (loaded.tree.status !== 'running') return resultOf(loaded.tree, loaded.nodes);
      const emit = (event: TaskTreeEvent): void => {
        options.onEvent?.(event);
        for (const listener of this.#listeners) listener(event);
      };
      emit({ type: 'tree-started', treeId, goal: loaded.tree.goal, resumed });
      const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
      const run = new TreeRun(
        { ...this.#options, owner: this.owner },
        this.#executor,
        loaded.tree,
        loaded.nodes,
        emit,
        signal,
      );
      try {
        const tree = await run.run();
        return resultOf(tree, run.nodes());
      } catch (error) {
        throw lost.signal.aborted ? (lost.signal.reason as Error) : error;
      }
    } finally {
      clearInterval(renew);
      // A finished tree freed its lease with its outcome; this frees it after a failure or a stop.
      await store.releaseLease(treeId, this.owner).catch(() => undefined);
    }
  }
}

const leaseLostError = (treeId: string, owner: string): UserError =>
  new UserError(
    'lease_held',
    `Tree ${treeId} was taken over by another process: ${owner} no longer holds its lease.`,
    { data: { treeId, owner } },
  );

function resultOf(tree: TaskTreeRecord, nodes: TaskNodeRecord[]): RecursiveTeamResult {
  const usage = zeroUsage();
  let costUsd = 0;
  for (const node of nodes) {
    usage.promptTokens += node.tokens.promptTokens;
    usage.completionTokens += node.tokens.completionTokens;
    usage.totalTokens += node.tokens.totalTokens;
    costUsd += node.costUsd;
  }
  return {
    treeId: tree.id,
    status: tree.status === 'done' ? 'done' : 'failed',
    result: tree.result,
    error: tree.error,
    usage,
    costUsd,
    nodes,
  };
}
