import type { z } from 'zod';

import { UserError } from '../errors/index.js';
import type { NodeContext } from './context.js';

export const START = '__start__';
export const END = '__end__';

/** How a state key combines updates: replace (default), append, or a custom function. */
export type Reducer<T = unknown> = (current: T, update: T) => T;

/** Per-key reducers, each typed by its key's value. */
export type StateReducers<State> = { [K in keyof State]?: Reducer<State[K]> };

export const reducers = {
  /** The last write wins (the default). */
  lastValue:
    <T>(): Reducer<T> =>
    (_current, update) =>
      update,
  /** Arrays concatenate; a single value is appended. */
  append:
    <T>(): Reducer<T[]> =>
    (current, update) => [...(current ?? []), ...(Array.isArray(update) ? update : [update as unknown as T])],
  /** Numbers add up. */
  sum: (): Reducer<number> => (current, update) => (current ?? 0) + update,
};

/** A fan-out branch: run `node` with its own `input` (map-reduce). */
export interface Send {
  kind: 'send';
  node: string;
  input: unknown;
}
export function send(node: string, input: unknown): Send {
  return { kind: 'send', node, input };
}

export type NodeUpdate<State> = Partial<State> | undefined | void;
export type NodeFunction<State> = (
  state: State,
  context: NodeContext,
) => Promise<NodeUpdate<State>> | NodeUpdate<State>;
/** A router picks what runs next: node names, `END`, or `send(...)` branches. */
export type Router<State> = (state: State) => string | Send | Array<string | Send>;

export interface NodeOptions {
  /** Attempts including the first (default 1); retried with exponential backoff when `retryOn` says so. */
  retry?: {
    maxAttempts: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
    retryOn?: (error: unknown) => boolean;
  };
  /** Aborts the node's signal and fails the attempt after this long. */
  timeoutMs?: number;
}

export interface NodeDefinition<State> {
  name: string;
  run: NodeFunction<State>;
  options: NodeOptions;
}

export interface CompiledGraph<State extends Record<string, unknown>> {
  readonly name: string;
  readonly schema: z.ZodObject;
  readonly reducers: Readonly<Record<string, Reducer>>;
  readonly nodes: ReadonlyMap<string, NodeDefinition<State>>;
  /** Static successors of each node (START included). */
  readonly edges: ReadonlyMap<string, string[]>;
  readonly routers: ReadonlyMap<string, Router<State>>;
  /** Join nodes and the sources each waits for. */
  readonly joins: ReadonlyMap<string, string[]>;
  readonly recursionLimit: number;
}

/**
 * A typed graph of nodes over a zod-defined state. Nodes return partial updates that the per-key reducers
 * merge; edges are static, conditional (a router) or fan-in (`join([a, b], c)` runs `c` once both ran);
 * a router may fan out with `send(node, input)`. `compile()` checks the graph and fails with precise errors.
 */
export class Graph<Schema extends z.ZodObject> {
  readonly #name: string;
  readonly #schema: Schema;
  readonly #reducers: Record<string, Reducer>;
  readonly #nodes = new Map<string, NodeDefinition<z.output<Schema>>>();
  readonly #edges = new Map<string, string[]>();
  readonly #routers = new Map<string, Router<z.output<Schema>>>();
  readonly #joins = new Map<string, string[]>();

  constructor(name: string, schema: Schema, stateReducers: StateReducers<z.output<Schema>> = {}) {
    this.#name = name;
    this.#schema = schema;
    this.#reducers = stateReducers as unknown as Record<string, Reducer>;
  }

  node(name: string, run: NodeFunction<z.output<Schema>>, options: NodeOptions = {}): this {
    if (name === START || name === END || !/^[a-zA-Z0-9_.-]{1,64}$/.test(name)) {
      throw invalid(
        this.#name,
        `Node name "${name}" must be 1-64 letters, digits, "_", "." or "-" (and not START or END).`,
      );
    }
    if (this.#nodes.has(name)) throw invalid(this.#name, `Node "${name}" is defined twice.`);
    this.#nodes.set(name, { name, run, options });
    return this;
  }

  edge(from: string, to: string): this {
    const targets = this.#edges.get(from) ?? [];
    targets.push(to);
    this.#edges.set(from, targets);
    return this;
  }

  /** After `from`, `router(state)` decides what runs next (nodes, END, or fan-out sends). */
  route(from: string, router: Router<z.output<Schema>>): this {
    if (this.#routers.has(from)) throw invalid(this.#name, `Node "${from}" already has a router.`);
    this.#routers.set(from, router);
    return this;
  }

  /** `to` runs once every node in `sources` has run (fan-in that waits for all). */
  join(sources: string[], to: string): this {
    if (sources.length < 2) throw invalid(this.#name, `join("${to}") needs at least two sources.`);
    this.#joins.set(to, [...sources]);
    return this;
  }

  compile(options: { recursionLimit?: number } = {}): CompiledGraph<z.output<Schema>> {
    const known = new Set([...this.#nodes.keys(), START, END]);
    const problems: string[] = [];
    for (const [from, targets] of this.#edges) {
      if (!known.has(from) || from === END) problems.push(`edge from unknown node "${from}"`);
      for (const to of targets)
        if (!known.has(to) || to === START) problems.push(`edge ${from} -> "${to}": unknown node`);
    }
    for (const from of this.#routers.keys())
      if (!this.#nodes.has(from) && from !== START) problems.push(`router on unknown node "${from}"`);
    for (const [to, sources] of this.#joins) {
      if (!this.#nodes.has(to)) problems.push(`join into unknown node "${to}"`);
      for (const source of sources)
        if (!this.#nodes.has(source))
          problems.push(`join ${sources.join(', ')} -> ${to}: unknown node "${source}"`);
    }
    for (const key of Object.keys(this.#reducers))
      if (!(key in this.#schema.shape)) problems.push(`reducer for unknown state key "${key}"`);
    if (!this.#edges.has(START) && !this.#routers.has(START))
      problems.push('no entry: add edge(START, "<first node>")');
    // Every node needs a way on (an edge, a router, or being a join source) — else its run would silently stop.
    const joinSources = new Set([...this.#joins.values()].flat());
    for (const name of this.#nodes.keys()) {
      if (!this.#edges.has(name) && !this.#routers.has(name) && !joinSources.has(name))
        problems.push(`node "${name}" has no outgoing edge (add edge("${name}", END) to finish there)`);
    }
    const reachable = this.#reachable();
    for (const name of this.#nodes.keys())
      if (!reachable.has(name)) problems.push(`node "${name}" is unreachable from START`);
    if (problems.length > 0)
      throw invalid(
        this.#name,
        `Graph "${this.#name}" is invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
        problems,
      );
    return {
      name: this.#name,
      schema: this.#schema,
      reducers: { ...this.#reducers },
      nodes: new Map(this.#nodes),
      edges: new Map([...this.#edges].map(([from, targets]) => [from, [...targets]])),
      routers: new Map(this.#routers),
      joins: new Map(this.#joins),
      recursionLimit: options.recursionLimit ?? 100,
    };
  }

  /** Static edges, joins, and (conservatively) every node a router could name: routers may go anywhere. */
  #reachable(): Set<string> {
    const seen = new Set<string>();
    const queue = [START];
    const anyNode = [...this.#nodes.keys()];
    while (queue.length > 0) {
      const current = queue.pop() as string;
      if (seen.has(current)) continue;
      seen.add(current);
      queue.push(...(this.#edges.get(current) ?? []));
      if (this.#routers.has(current)) queue.push(...anyNode);
      for (const [to, sources] of this.#joins) if (sources.includes(current)) queue.push(to);
    }
    return seen;
  }
}

function invalid(graph: string, message: string, problems: string[] = [message]): UserError {
  return new UserError('invalid_input', message, { data: { graph, problems } });
}

/** Merges a node's update into the state with the graph's reducers, validating the keys it sets. */
export function applyUpdate(
  graph: CompiledGraph<Record<string, unknown>>,
  state: Record<string, unknown>,
  update: Record<string, unknown>,
  node: string,
): Record<string, unknown> {
  const next = { ...state };
  for (const [key, value] of Object.entries(update)) {
    if (!(key in graph.schema.shape)) {
      throw new UserError('invalid_input', `Node "${node}" returned unknown state key "${key}".`, {
        data: { node, key },
      });
    }
    const reducer = graph.reducers[key];
    next[key] = reducer ? reducer(next[key], value) : value;
  }
  return next;
}
