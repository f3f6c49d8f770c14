/** A node of a dependency graph: its name and the names it waits for. */
export interface GraphNode {
  name: string;
  context: readonly string[];
}

/**
 * Runs every node as soon as all its dependencies are done — independent nodes at once, up to
 * `maxParallel` — starting ready nodes in list order. After the first failure no new node starts; the ones
 * running are awaited (the caller aborts them through its signal) and the failure is thrown. The graph
 * must be acyclic (the crew definition checks).
 */
export async function runGraph<Node extends GraphNode, Result>(
  nodes: readonly Node[],
  run: (node: Node, done: ReadonlyMap<string, Result>) => Promise<Result>,
  options: { maxParallel?: number | undefined; onFailure?: (error: unknown) => void } = {},
): Promise<Map<string, Result>> {
  const limit = options.maxParallel ?? Number.POSITIVE_INFINITY;
  const done = new Map<string, Result>();
  const started = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failed: { error: unknown } | undefined;
  for (;;) {
    if (!failed) {
      for (const node of nodes) {
        if (running.size >= limit) break;
        if (started.has(node.name) || !node.context.every((name) => done.has(name))) continue;
        started.add(node.name);
        running.set(
          node.name,
          run(node, done)
            .then(
              (result) => void done.set(node.name, result),
              (error: unknown) => {
                if (!failed) {
                  failed = { error };
                  options.onFailure?.(error);
                }
              },
            )
            .finally(() => running.delete(node.name)),
        );
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failed) throw failed.error;
  return done;
}
