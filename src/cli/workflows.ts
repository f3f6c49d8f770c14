import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { createJiti } from 'jiti';

import { openConfiguredStore, type HydraConfig } from '../config/index.js';
import { UserError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { SqlWorkflowStore, WorkflowEngine, type CompiledGraph } from '../workflows/index.js';

function isGraph(value: unknown): value is CompiledGraph<Record<string, unknown>> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    'nodes' in value &&
    (value as { nodes: unknown }).nodes instanceof Map
  );
}

/** The compiled graphs a workflow module exports (default or named). */
export async function loadWorkflowModule(
  path: string,
): Promise<Array<CompiledGraph<Record<string, unknown>>>> {
  const absolute = resolve(path);
  if (!existsSync(absolute))
    throw new UserError('invalid_input', `Workflow file ${absolute} does not exist.`, {
      data: { path: absolute },
    });
  let module: Record<string, unknown>;
  try {
    module = (await createJiti(import.meta.url, { moduleCache: false }).import(absolute)) as Record<
      string,
      unknown
    >;
  } catch (cause) {
    throw new UserError('invalid_input', `Could not load workflow ${absolute}: ${(cause as Error).message}`, {
      cause,
      data: { path: absolute },
    });
  }
  const graphs = Object.values(module).filter(isGraph);
  if (graphs.length === 0) {
    throw new UserError(
      'invalid_input',
      `${absolute} exports no compiled graph; export one, e.g. export default new Graph(...).compile().`,
      { data: { path: absolute } },
    );
  }
  return graphs;
}

/** Workflow files named in the config (`workflows`: files or directories of .ts/.js modules). */
function configuredFiles(config: HydraConfig, cwd: string): string[] {
  return config.workflows.flatMap((entry) => {
    const path = resolve(cwd, entry);
    if (!existsSync(path)) return [];
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((name) => /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts'))
      .map((name) => join(path, name));
  });
}

export interface WorkflowContext {
  engine: WorkflowEngine;
  store: Store;
  close(): Promise<void>;
}

/** The workflow engine on the configured store, with every configured workflow (and `extraFiles`) registered. */
export async function openWorkflowEngine(
  config: HydraConfig,
  extraFiles: string[] = [],
): Promise<WorkflowContext & { graphs: string[] }> {
  const store = await openConfiguredStore(config);
  try {
    const engine = new WorkflowEngine({ store: await SqlWorkflowStore.open(store) });
    const graphs: string[] = [];
    for (const file of [
      ...new Set([...configuredFiles(config, process.cwd()), ...extraFiles.map((file) => resolve(file))]),
    ]) {
      for (const graph of await loadWorkflowModule(file)) {
        engine.register(graph);
        graphs.push(graph.name);
      }
    }
    return {
      engine,
      store,
      graphs,
      close: async () => {
        await engine.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
