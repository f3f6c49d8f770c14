import { ConflictError, NotFoundError, UserError } from '../../errors/index.js';
import type {
  NewTaskNode,
  TaskNodePatch,
  TaskNodeRecord,
  TaskTree,
  TaskTreeRecord,
  TaskTreeStatus,
  TaskTreeStore,
  TaskTreeSummary,
  TaskTreeWriteOptions,
} from './types.js';

export const treeExists = (treeId: string, cause?: unknown): ConflictError =>
  new ConflictError(`A task tree with id ${treeId} already exists.`, {
    data: { treeId },
    ...(cause === undefined ? {} : { cause }),
  });
export const treeNotFound = (treeId: string): NotFoundError =>
  new NotFoundError(`No task tree with id ${treeId}.`, { data: { treeId } });
export const nodeNotFound = (treeId: string, nodeId: string): NotFoundError =>
  new NotFoundError(`Task tree ${treeId} has no node ${nodeId}.`, { data: { treeId, nodeId } });
export const nodeExists = (treeId: string, nodeId: string, cause?: unknown): ConflictError =>
  new ConflictError(`Task tree ${treeId} already has a node ${nodeId}.`, {
    data: { treeId, nodeId },
    ...(cause === undefined ? {} : { cause }),
  });

export const leaseLost = (treeId: string, owner: string): UserError =>
  new UserError(
    'lease_held',
    `Cannot write task tree ${treeId}: ${owner} no longer holds its lease (another process took the tree over).`,
    { data: { treeId, owner } },
  );
export const badTtl = (treeId: string, ttlMs: number): UserError =>
  new UserError('invalid_input', `A lease needs a positive duration, not ${ttlMs} ms.`, {
    data: { treeId, ttlMs },
  });
export const validTtl = (ttlMs: number): boolean => ttlMs > 0 && Number.isFinite(ttlMs);

export function newNode(treeId: string, node: NewTaskNode): TaskNodeRecord {
  return {
    treeId,
    ...node,
    dependsOn: [...node.dependsOn],
    kind: null,
    status: 'pending',
    role: null,
    result: null,
    error: null,
    attempts: 0,
    tokens: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    costUsd: 0,
    startedAt: null,
    finishedAt: null,
  };
}

export function progressOf(nodes: readonly TaskNodeRecord[]): TaskTreeSummary['progress'] {
  const count = (status: TaskNodeRecord['status']): number =>
    nodes.filter((node) => node.status === status).length;
  return { total: nodes.length, done: count('done'), failed: count('failed'), running: count('running') };
}

export interface InMemoryTaskTreeStoreOptions {
  /** Milliseconds since the epoch; timestamps and lease expiry use it (default `Date.now`). */
  now?: () => number;
}

interface TreeEntry {
  tree: TaskTreeRecord;
  nodes: Map<string, TaskNodeRecord>;
  lease: { owner: string; expires: number } | null;
}

/** Trees in process memory, for tests and one-off runs; structuredClone keeps callers from sharing records. */
export class InMemoryTaskTreeStore implements TaskTreeStore {
  readonly #trees = new Map<string, TreeEntry>();
  readonly #now: () => number;

  constructor(options: InMemoryTaskTreeStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  createTree(tree: Parameters<TaskTreeStore['createTree']>[0], root: NewTaskNode): Promise<void> {
    if (this.#trees.has(tree.id)) return Promise.reject(treeExists(tree.id));
    const { lease } = tree;
    if (lease && !validTtl(lease.ttlMs)) return Promise.reject(badTtl(tree.id, lease.ttlMs));
    const now = this.#now();
    this.#trees.set(tree.id, {
      tree: {
        id: tree.id,
        goal: tree.goal,
        status: 'running',
        result: null,
        error: null,
        limits: structuredClone(tree.limits),
        createdAt: new Date(now),
        updatedAt: new Date(now),
        finishedAt: null,
      },
      nodes: new Map([[root.id, newNode(tree.id, root)]]),
      lease: lease ? { owner: lease.owner, expires: now + lease.ttlMs } : null,
    });
    return Promise.resolve();
  }

  getTree(treeId: string): Promise<TaskTree | undefined> {
    const entry = this.#trees.get(treeId);
    return Promise.resolve(entry && structuredClone({ tree: entry.tree, nodes: [...entry.nodes.values()] }));
  }

  listTrees(filter: { status?: TaskTreeStatus; limit?: number } = {}): Promise<TaskTreeSummary[]> {
    const trees = [...this.#trees.values()]
      .filter((entry) => filter.status === undefined || entry.tree.status === filter.status)
      .reverse() // insertion order is creation order: newest first
      .slice(0, filter.limit ?? 50)
      .map((entry) => ({ ...structuredClone(entry.tree), progress: progressOf([...entry.nodes.values()]) }));
    return Promise.resolve(trees);
  }

  updateNode(
    treeId: string,
    nodeId: string,
    patch: TaskNodePatch,
    options: TaskTreeWriteOptions = {},
  ): Promise<void> {
    const entry = this.#trees.get(treeId);
    const node = entry?.nodes.get(nodeId);
    if (!entry || !node) return Promise.reject(nodeNotFound(treeId, nodeId));
    if (!holds(entry, options)) return Promise.reject(leaseLost(treeId, options.owner ?? ''));
    Object.assign(node, structuredClone(patch));
    entry.tree.updatedAt = new Date(this.#now());
    return Promise.resolve();
  }

  addChildren(
    treeId: string,
    parentId: string,
    children: readonly NewTaskNode[],
    parentPatch: TaskNodePatch,
    options: TaskTreeWriteOptions = {},
  ): Promise<void> {
    const entry = this.#trees.get(treeId);
    const parent = entry?.nodes.get(parentId);
    if (!entry || !parent) return Promise.reject(nodeNotFound(treeId, parentId));
    if (!holds(entry, options)) return Promise.reject(leaseLost(treeId, options.owner ?? ''));
    const taken = children.find((child) => entry.nodes.has(child.id));
    if (taken) return Promise.reject(nodeExists(treeId, taken.id));
    for (const child of children) entry.nodes.set(child.id, newNode(treeId, structuredClone(child)));
    Object.assign(parent, structuredClone(parentPatch));
    entry.tree.updatedAt = new Date(this.#now());
    return Promise.resolve();
  }

  finishTree(
    treeId: string,
    outcome: Parameters<TaskTreeStore['finishTree']>[1],
    options: TaskTreeWriteOptions = {},
  ): Promise<void> {
    const entry = this.#trees.get(treeId);
    if (!entry) return Promise.reject(treeNotFound(treeId));
    if (!holds(entry, options)) return Promise.reject(leaseLost(treeId, options.owner ?? ''));
    const now = new Date(this.#now());
    Object.assign(entry.tree, structuredClone(outcome), { updatedAt: now, finishedAt: now });
    entry.lease = null;
    return Promise.resolve();
  }

  acquireLease(treeId: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!validTtl(ttlMs)) return Promise.reject(badTtl(treeId, ttlMs));
    const entry = this.#trees.get(treeId);
    if (!entry) return Promise.reject(treeNotFound(treeId));
    const now = this.#now();
    if (entry.lease && entry.lease.owner !== owner && entry.lease.expires > now)
      return Promise.resolve(false);
    entry.lease = { owner, expires: now + ttlMs };
    return Promise.resolve(true);
  }

  releaseLease(treeId: string, owner: string): Promise<void> {
    const entry = this.#trees.get(treeId);
    if (entry?.lease?.owner === owner) entry.lease = null;
    return Promise.resolve();
  }
}

/** Whether a write fenced on `options.owner` may go ahead: that owner holds the lease (expired or not, until taken). */
const holds = (entry: TreeEntry, options: TaskTreeWriteOptions): boolean =>
  options.owner === undefined || entry.lease?.owner === options.owner;
