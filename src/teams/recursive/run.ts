import type { Kernel } from '../../kernel/index.js';
import type { Store } from '../../store/index.js';
import { RecursiveTeam, type RecursiveTeamOptions, type RecursiveTeamResult } from './engine.js';
import { SqlTaskTreeStore } from './sql-store.js';
import type { TaskTreeEvent, TaskTreeLimits, TaskTreeStore } from './types.js';

export interface RunRecursiveTeamOptions extends Omit<RecursiveTeamOptions, 'store' | 'limits'> {
  kernel: Kernel;
  /** The Store (the tree is kept in its `task_trees`/`task_nodes` tables) or any TaskTreeStore. */
  store: Store | TaskTreeStore;
  goal: string;
  onEvent?: (event: TaskTreeEvent) => void;
  /** Resume this tree if it exists, else create it with this id. */
  treeId?: string;
  limits?: Partial<TaskTreeLimits>;
  signal?: AbortSignal;
}

const isTaskTreeStore = (store: Store | TaskTreeStore): store is TaskTreeStore => 'createTree' in store;

/** One recursive team run (what `hydra run --team recursive "<goal>"` calls): plans, runs and persists the tree. */
export async function runRecursiveTeam(options: RunRecursiveTeamOptions): Promise<RecursiveTeamResult> {
  const { store, goal, onEvent, treeId, limits, signal, ...team } = options;
  const tasks = isTaskTreeStore(store) ? store : await SqlTaskTreeStore.open(store);
  return new RecursiveTeam({ ...team, store: tasks, ...(limits ? { limits } : {}) }).run(goal, {
    ...(onEvent ? { onEvent } : {}),
    ...(treeId === undefined ? {} : { treeId }),
    ...(signal ? { signal } : {}),
  });
}
