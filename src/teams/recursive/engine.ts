import { randomUUID } from 'node:crypto';

import { NotFoundError } from '../../errors/index.js';
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
  readonly #options: RecursiveTeamOptions;
  readonly #executor: TaskExecutor;
  readonly #listeners = new Set<(event: TaskTreeEvent) => void>();

  constructor(options: RecursiveTeamOptions) {
    this.#options = options;
    this.#executor = options.executor ?? llmExecutor();
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
    await store.createTree({ id: treeId, goal, limits }, root);
    return this.#drive(treeId, false, options);
  }

  /** Continues a tree from its committed state; a finished tree just returns its outcome. */
  resume(
    treeId: string,
    options: Omit<RecursiveRunOptions, 'treeId' | 'limits'> = {},
  ): Promise<RecursiveTeamResult> {
    return this.#drive(treeId, true, options);
  }

  /** Resumes every tree still marked running (their process died), one after another. */
  async recover(
    options: Omit<RecursiveRunOptions, 'treeId' | 'limits'> = {},
  ): Promise<RecursiveTeamResult[]> {
    const results: RecursiveTeamResult[] = [];
    for (const tree of await this.#options.store.listTrees({ status: 'running', limit: 1_000 }))
      results.push(await this.resume(tree.id, options));
    return results;
  }

  async #drive(treeId: string, resumed: boolean, options: RecursiveRunOptions): Promise<RecursiveTeamResult> {
    const loaded = await this.#options.store.getTree(treeId);
    if (!loaded) throw new NotFoundError(`No task tree with id ${treeId}.`, { data: { treeId } });
    const emit = (event: TaskTreeEvent): void => {
      options.onEvent?.(event);
      for (const listener of this.#listeners) listener(event);
    };
    if (loaded.tree.status !== 'running') return resultOf(loaded.tree, loaded.nodes);
    emit({ type: 'tree-started', treeId, goal: loaded.tree.goal, resumed });
    const run = new TreeRun(this.#options, this.#executor, loaded.tree, loaded.nodes, emit, options.signal);
    const tree = await run.run();
    return resultOf(tree, run.nodes());
  }
}

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
