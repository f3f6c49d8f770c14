import { ConflictError, NotFoundError } from '../../errors/index.js';
import type {
  NewTaskNode,
  TaskNodePatch,
  TaskNodeRecord,
  TaskTree,
  TaskTreeRecord,
  TaskTreeStatus,
  TaskTreeStore,
  TaskTreeSummary,
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

/** Trees in process memory, for tests and one-off runs; structuredClone keeps callers from sharing records. */
export class InMemoryTaskTreeStore implements TaskTreeStore {
  readonly #trees = new Map<string, { tree: TaskTreeRecord; nodes: Map<string, TaskNodeRecord> }>();

  createTree(
    tree: { id: string; goal: string; limits: TaskTreeRecord['limits'] },
    root: NewTaskNode,
  ): Promise<void> {
    if (this.#trees.has(tree.id)) return Promise.reject(treeExists(tree.id));
    const now = new Date();
    this.#trees.set(tree.id, {
      tree: {
        id: tree.id,
        goal: tree.goal,
        status: 'running',
        result: null,
        error: null,
        limits: structuredClone(tree.limits),
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
      },
      nodes: new Map([[root.id, newNode(tree.id, root)]]),
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

  updateNode(treeId: string, nodeId: string, patch: TaskNodePatch): Promise<void> {
    const entry = this.#trees.get(treeId);
    const node = entry?.nodes.get(nodeId);
    if (!entry || !node) return Promise.reject(nodeNotFound(treeId, nodeId));
    Object.assign(node, structuredClone(patch));
    entry.tree.updatedAt = new Date();
    return Promise.resolve();
  }

  addChildren(
    treeId: string,
    parentId: string,
    children: readonly NewTaskNode[],
    parentPatch: TaskNodePatch,
  ): Promise<void> {
    const entry = this.#trees.get(treeId);
    const parent = entry?.nodes.get(parentId);
    if (!entry || !parent) return Promise.reject(nodeNotFound(treeId, parentId));
    const taken = children.find((child) => entry.nodes.has(child.id));
    if (taken) return Promise.reject(nodeExists(treeId, taken.id));
    for (const child of children) entry.nodes.set(child.id, newNode(treeId, structuredClone(child)));
    Object.assign(parent, structuredClone(parentPatch));
    entry.tree.updatedAt = new Date();
    return Promise.resolve();
  }

  finishTree(treeId: string, outcome: Parameters<TaskTreeStore['finishTree']>[1]): Promise<void> {
    const entry = this.#trees.get(treeId);
    if (!entry) return Promise.reject(treeNotFound(treeId));
    const now = new Date();
    Object.assign(entry.tree, structuredClone(outcome), { updatedAt: now, finishedAt: now });
    return Promise.resolve();
  }
}
