import type { TokenUsage } from '../../models/index.js';

/** `running` until the root node ends; `failed` when the root failed (its error says why, e.g. 'budget'). */
export type TaskTreeStatus = 'running' | 'done' | 'failed';

/**
 * A node's life: `pending` (planned, waiting for its dependencies) → `running` → `done` | `failed`;
 * `skipped` when it never started (the budget ran out first, or the run was stopped).
 */
export type TaskNodeStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** Undecided until the atomizer (or the depth limit) decides. */
export type TaskNodeKind = 'atomic' | 'composite';

/** Why a node failed or was skipped: its work kept failing, or the tree's budget ran out. */
export type TaskFailureReason = 'error' | 'budget';

export interface TaskNodeError {
  reason: TaskFailureReason;
  message: string;
  /** The Hydra error code of the last failure, when there was one. */
  code?: string;
}

/** Limits of one tree, fixed when it is created (a resumed tree keeps them). */
export interface TaskTreeLimits {
  /** Deepest level a node may sit at (the root is 0); a node there is atomic without asking. Default 3. */
  maxDepth: number;
  /** Most subtasks in one plan. Default 6. */
  maxSubtasks: number;
  /** Attempts per node (the first included) before it is reported as failed. Default 2. */
  maxAttempts: number;
  /** Model calls the atomizer and the planner get to give a valid answer (askJson's maxAttempts). Default 3. */
  answerAttempts: number;
  /** Prompt + completion tokens of the whole tree; no new model call starts once they are spent. */
  maxTokens?: number;
  /** Cost of the whole tree in USD, priced with `pricing`. */
  maxCostUsd?: number;
  pricing?: { inputPerMillion: number; outputPerMillion: number };
}

export interface TaskTreeRecord {
  id: string;
  goal: string;
  status: TaskTreeStatus;
  /** The root's answer once the tree is done. */
  result: string | null;
  error: TaskNodeError | null;
  limits: TaskTreeLimits;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface TaskNodeRecord {
  treeId: string;
  /** `root`, then `<parent id>/<the plan's id for the subtask>`. */
  id: string;
  parentId: string | null;
  /** Position among its siblings (the plan's order). */
  seq: number;
  depth: number;
  goal: string;
  kind: TaskNodeKind | null;
  status: TaskNodeStatus;
  /** Ids of sibling nodes that must finish first. */
  dependsOn: string[];
  /** Who ran it: the executor's role for an atomic node, 'planner+aggregator' for a composite one. */
  role: string | null;
  result: string | null;
  error: TaskNodeError | null;
  /** Attempts started (a node resumed after a crash continues its attempt). */
  attempts: number;
  /** Tokens of the model calls this node made (committed ones: a call in flight at a crash is not counted). */
  tokens: TokenUsage;
  costUsd: number;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A node as the planner creates it. */
export type NewTaskNode = Pick<TaskNodeRecord, 'id' | 'parentId' | 'seq' | 'depth' | 'goal' | 'dependsOn'>;

/** The fields a transition changes; omitted ones keep their value. */
export type TaskNodePatch = Partial<
  Pick<
    TaskNodeRecord,
    | 'kind'
    | 'status'
    | 'role'
    | 'result'
    | 'error'
    | 'attempts'
    | 'tokens'
    | 'costUsd'
    | 'startedAt'
    | 'finishedAt'
  >
>;

export interface TaskTree {
  tree: TaskTreeRecord;
  nodes: TaskNodeRecord[];
}

/** A tree in a listing, with how far it got. */
export interface TaskTreeSummary extends TaskTreeRecord {
  progress: { total: number; done: number; failed: number; running: number };
}

/** Fencing of a write on the tree's lease: with `owner`, the write is made only while that owner holds it. */
export interface TaskTreeWriteOptions {
  /** Only while this owner holds the tree's lease, else a `lease_held` UserError (another process took it over). */
  owner?: string;
}

/**
 * Where trees live. Every method is one atomic write: the engine commits each transition before it takes
 * the next step, so a process that dies loses at most the work in flight.
 *
 * A tree has a lease (an owner and an expiry) so that one process at a time runs it: the engine takes it
 * before it runs the tree, renews it while running, and fences its writes on it.
 */
export interface TaskTreeStore {
  /**
   * Creates the tree with its root node (with `lease`, leased to that owner); a tree with this id already is
   * a `ConflictError`.
   */
  createTree(
    tree: { id: string; goal: string; limits: TaskTreeLimits; lease?: { owner: string; ttlMs: number } },
    root: NewTaskNode,
  ): Promise<void>;
  getTree(treeId: string): Promise<TaskTree | undefined>;
  /** Newest first; 50 unless `limit` says otherwise. */
  listTrees(filter?: { status?: TaskTreeStatus; limit?: number }): Promise<TaskTreeSummary[]>;
  /** Applies a transition to one node; an unknown node is a `NotFoundError`. */
  updateNode(
    treeId: string,
    nodeId: string,
    patch: TaskNodePatch,
    options?: TaskTreeWriteOptions,
  ): Promise<void>;
  /** Records a plan: the children are inserted and the parent updated together. */
  addChildren(
    treeId: string,
    parentId: string,
    children: readonly NewTaskNode[],
    parentPatch: TaskNodePatch,
    options?: TaskTreeWriteOptions,
  ): Promise<void>;
  /** Records the tree's outcome and frees its lease. */
  finishTree(
    treeId: string,
    outcome: { status: 'done' | 'failed'; result: string | null; error: TaskNodeError | null },
    options?: TaskTreeWriteOptions,
  ): Promise<void>;
  /**
   * Takes or renews the tree's lease for `ttlMs`; false when another owner holds an unexpired one (an
   * expired lease is taken over). An unknown tree is a `NotFoundError`, a ttl that is not positive an
   * `invalid_input` UserError.
   */
  acquireLease(treeId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease if `owner` holds it (else nothing). */
  releaseLease(treeId: string, owner: string): Promise<void>;
}

/** What the CLI prints live; every event follows the commit of the transition it reports. */
export type TaskTreeEvent =
  | { type: 'tree-started'; treeId: string; goal: string; resumed: boolean }
  | { type: 'node-started'; treeId: string; node: TaskNodeRecord }
  | { type: 'node-atomized'; treeId: string; node: TaskNodeRecord; forced: boolean }
  | {
      type: 'node-planned';
      treeId: string;
      node: TaskNodeRecord;
      children: TaskNodeRecord[];
      /** Why earlier answers of the planner were sent back (an invalid DAG, too many subtasks), in order. */
      rejections: string[];
    }
  | { type: 'node-retry'; treeId: string; node: TaskNodeRecord; error: TaskNodeError }
  | { type: 'node-finished'; treeId: string; node: TaskNodeRecord }
  | { type: 'node-failed'; treeId: string; node: TaskNodeRecord }
  | { type: 'node-skipped'; treeId: string; node: TaskNodeRecord }
  | { type: 'tree-finished'; treeId: string; tree: TaskTreeRecord };
