import { setTimeout as sleep } from 'node:timers/promises';

import type { Command } from 'commander';

import { openConfiguredStore, type HydraConfig } from '../../config/index.js';
import { NotFoundError } from '../../errors/index.js';
import { StoreError } from '../../store/index.js';
import {
  renderTree,
  SqlTaskTreeStore,
  type TaskTree,
  type TaskTreeStatus,
} from '../../teams/recursive/index.js';
import { loadCliConfig } from '../context.js';
import { printJson, progress } from '../output.js';
import { parsePositiveInt } from '../parse.js';

async function withTasks<T>(config: HydraConfig, work: (tasks: SqlTaskTreeStore) => Promise<T>): Promise<T> {
  const store = await openConfiguredStore(config);
  try {
    return await work(await SqlTaskTreeStore.open(store));
  } finally {
    await store.close();
  }
}

async function loadTree(config: HydraConfig, treeId: string): Promise<TaskTree> {
  const tree = await withTasks(config, (tasks) => tasks.getTree(treeId));
  if (!tree) throw new NotFoundError(`No task tree with id ${treeId}; list them with: hydra tasks list`);
  return tree;
}

/** The embedded store's directory is held by the process running the tree (one process per directory). */
const isLocked = (error: unknown): boolean =>
  error instanceof StoreError && error.reason === 'unavailable' && 'lockFile' in error.data;

/** `hydra tasks list` and `hydra tasks tree <id> [--watch]`: the task trees of recursive teams. */
export function registerTasksCommand(program: Command): void {
  const tasks = program
    .command('tasks')
    .description('Task trees of recursive teams (hydra run --team recursive): list, tree.');

  tasks
    .command('list')
    .description('Recent task trees, newest first, with their progress.')
    .option('--status <status>', 'only trees with this status (running, done, failed)')
    .option('--limit <n>', 'how many', parsePositiveInt, 20)
    .option('--json', 'print JSON')
    .action(async (flags: { status?: string; limit: number; json?: boolean }, command: Command) => {
      const { config } = await loadCliConfig(command);
      const trees = await withTasks(config, (store) =>
        store.listTrees({
          ...(flags.status ? { status: flags.status as TaskTreeStatus } : {}),
          limit: flags.limit,
        }),
      );
      if (flags.json) return printJson(trees);
      for (const tree of trees) {
        const { done, failed, running, total } = tree.progress;
        process.stdout.write(
          `${tree.id}  ${tree.status.padEnd(7)}  ${done}/${total} done, ${running} running, ${failed} failed  ${tree.createdAt.toISOString()}  ${JSON.stringify(tree.goal.slice(0, 60))}\n`,
        );
      }
    });

  tasks
    .command('tree')
    .description("A task tree with each node's status; --watch refreshes it until the tree finishes.")
    .argument('<treeId>')
    .option('--watch', 'refresh until the tree is done or failed')
    .option('--interval <ms>', 'refresh interval with --watch', parsePositiveInt, 1000)
    .option('--results', "show finished nodes' results")
    .option('--json', 'print JSON (no --watch)')
    .action(
      async (
        treeId: string,
        flags: { watch?: boolean; interval: number; results?: boolean; json?: boolean },
        command: Command,
      ) => {
        const { config } = await loadCliConfig(command);
        const render = (tree: TaskTree): string => renderTree(tree, { results: flags.results ?? false });
        if (!flags.watch) {
          const tree = await loadTree(config, treeId);
          return flags.json ? printJson(tree) : void process.stdout.write(render(tree));
        }
        const clear = process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
        let waiting = false;
        for (;;) {
          let tree: TaskTree;
          try {
            tree = await loadTree(config, treeId);
          } catch (error) {
            // PGlite: the running process holds the directory; show the tree once it lets go (PostgreSQL: live).
            if (!isLocked(error)) throw error;
            if (!waiting) progress(`hydra: the store is in use by the process running the tree; waiting…`);
            waiting = true;
            await sleep(flags.interval);
            continue;
          }
          waiting = false;
          process.stdout.write(`${clear}${render(tree)}${clear ? '' : '\n'}`);
          if (tree.tree.status !== 'running') {
            if (tree.tree.status === 'failed') process.exitCode = 1;
            return;
          }
          await sleep(flags.interval);
        }
      },
    );
}
