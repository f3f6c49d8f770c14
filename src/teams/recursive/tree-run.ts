import { setMaxListeners } from 'node:events';

import { HydraError, NotFoundError } from '../../errors/index.js';
import type { AgentHandle, Kernel } from '../../kernel/index.js';
import type { ModelProvider } from '../../models/index.js';
import { StoreError } from '../../store/index.js';
import { askJson } from '../structured.js';
import { BudgetExhaustedError, BudgetMeter, meteredProvider, zeroUsage, type UsageSink } from './budget.js';
import { atomizerAnswerSchema, planSchema, validatePlan } from './plan.js';
import {
  AGGREGATOR_SYSTEM,
  ATOMIZER_SYSTEM,
  describeAggregation,
  describeTask,
  plannerSystem,
  type SubtaskOutcome,
  type TaskExecutor,
} from './roles.js';
import type {
  NewTaskNode,
  TaskNodeError,
  TaskNodePatch,
  TaskNodeRecord,
  TaskTreeEvent,
  TaskTreeRecord,
  TaskTreeStore,
} from './types.js';

/** What a tree's run needs of the team's options. */
export interface TreeRunOptions {
  kernel: Kernel;
  store: TaskTreeStore;
  model?: string;
  maxTokens?: number;
  priority?: number;
  /** The lease owner every write is fenced on (a process that lost the tree's lease commits nothing more). */
  owner?: string;
}

type Phase = 'atomize' | 'plan' | 'aggregate' | 'execute';

/**
 * A failure that ends the tree's run instead of a node: the store failed, the run was stopped, or another
 * process took the tree over.
 */
const isFatal = (error: unknown): boolean =>
  StoreError.is(error) ||
  (HydraError.isInstance(error) &&
    (error.code === 'kernel_closed' ||
      error.code === 'lease_held' ||
      (error.code === 'aborted' && !(error instanceof BudgetExhaustedError))));

function failureOf(error: unknown): TaskNodeError {
  if (error instanceof BudgetExhaustedError)
    return { reason: 'budget', message: error.message, code: error.code };
  if (HydraError.isInstance(error)) return { reason: 'error', message: error.message, code: error.code };
  return { reason: 'error', message: error instanceof Error ? error.message : String(error) };
}

const keyOf = (nodeId: string): string => nodeId.slice(nodeId.lastIndexOf('/') + 1);

/** One process's run of one tree: the nodes mirrored in memory, each change committed before it is used. */
export class TreeRun {
  readonly #options: TreeRunOptions;
  readonly #executor: TaskExecutor;
  readonly #tree: TaskTreeRecord;
  readonly #nodes = new Map<string, TaskNodeRecord>();
  readonly #emit: (event: TaskTreeEvent) => void;
  readonly #meter: BudgetMeter;
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal;
  /** The promise of each node's run, so a node several siblings depend on runs once. */
  readonly #running = new Map<string, Promise<void>>();

  constructor(
    options: TreeRunOptions,
    executor: TaskExecutor,
    tree: TaskTreeRecord,
    nodes: TaskNodeRecord[],
    emit: (event: TaskTreeEvent) => void,
    signal: AbortSignal | undefined,
  ) {
    this.#options = options;
    this.#executor = executor;
    this.#tree = tree;
    for (const node of nodes) this.#nodes.set(node.id, node);
    this.#emit = emit;
    const spent = nodes.reduce(
      (sum, node) => ({ tokens: sum.tokens + node.tokens.totalTokens, costUsd: sum.costUsd + node.costUsd }),
      { tokens: 0, costUsd: 0 },
    );
    this.#meter = new BudgetMeter(tree.limits, spent);
    this.#signal = signal ? AbortSignal.any([signal, this.#controller.signal]) : this.#controller.signal;
    // Every model call in flight listens to this one signal; a wide tree has many at once.
    setMaxListeners(0, this.#signal);
  }

  nodes(): TaskNodeRecord[] {
    return [...this.#nodes.values()].map((node) => structuredClone(node));
  }

  async run(): Promise<TaskTreeRecord> {
    try {
      await this.#runNode('root');
    } catch (error) {
      this.#controller.abort(error); // stop the siblings still running; their nodes stay in flight
      throw error;
    }
    const root = this.#node('root');
    const outcome =
      root.status === 'done'
        ? { status: 'done' as const, result: root.result, error: null }
        : { status: 'failed' as const, result: null, error: root.error };
    await this.#options.store.finishTree(this.#tree.id, outcome, this.#fence);
    const tree = { ...this.#tree, ...outcome, finishedAt: new Date(), updatedAt: new Date() };
    this.#emit({ type: 'tree-finished', treeId: tree.id, tree: structuredClone(tree) });
    return tree;
  }

  get #fence(): { owner?: string } {
    return this.#options.owner === undefined ? {} : { owner: this.#options.owner };
  }

  #node(id: string): TaskNodeRecord {
    const node = this.#nodes.get(id);
    if (!node) throw new NotFoundError(`Task tree ${this.#tree.id} has no node ${id}.`);
    return node;
  }

  #children(parentId: string): TaskNodeRecord[] {
    return [...this.#nodes.values()]
      .filter((node) => node.parentId === parentId)
      .sort((a, b) => a.seq - b.seq);
  }

  async #commit(node: TaskNodeRecord, patch: TaskNodePatch): Promise<void> {
    await this.#options.store.updateNode(this.#tree.id, node.id, patch, this.#fence);
    Object.assign(node, patch);
  }

  #event<Type extends 'node-started' | 'node-finished' | 'node-failed' | 'node-skipped'>(
    type: Type,
    node: TaskNodeRecord,
  ): void {
    this.#emit({ type, treeId: this.#tree.id, node: structuredClone(node) } as TaskTreeEvent);
  }

  #runNode(id: string): Promise<void> {
    let running = this.#running.get(id);
    if (!running) {
      running = this.#lifecycle(this.#node(id));
      this.#running.set(id, running);
    }
    return running;
  }

  /** Start (or continue after a crash), then attempts until done, out of attempts, or out of budget. */
  async #lifecycle(node: TaskNodeRecord): Promise<void> {
    if (node.status === 'done' || node.status === 'failed' || node.status === 'skipped') return;
    if (node.status === 'pending') {
      if (this.#meter.spent) {
        const error = failureOf(new BudgetExhaustedError(this.#meter, this.#tree.limits));
        await this.#commit(node, { status: 'skipped', error, finishedAt: new Date() });
        return this.#event('node-skipped', node);
      }
      await this.#commit(node, { status: 'running', attempts: 1, startedAt: new Date(), error: null });
    }
    this.#event('node-started', node);
    for (;;) {
      this.#signal.throwIfAborted();
      const sink: UsageSink = { tokens: structuredClone(node.tokens), costUsd: node.costUsd };
      try {
        await this.#advance(node, sink);
        return;
      } catch (error) {
        if (isFatal(error)) throw error;
        const failure = failureOf(error);
        const usage = { tokens: sink.tokens, costUsd: sink.costUsd };
        if (failure.reason === 'budget' || node.attempts >= this.#tree.limits.maxAttempts) {
          await this.#commit(node, { ...usage, status: 'failed', error: failure, finishedAt: new Date() });
          return this.#event('node-failed', node);
        }
        await this.#commit(node, { ...usage, attempts: node.attempts + 1, error: failure });
        this.#emit({
          type: 'node-retry',
          treeId: this.#tree.id,
          node: structuredClone(node),
          error: failure,
        });
      }
    }
  }

  /** One attempt, from wherever the node's committed state is: decide, then execute or plan-run-aggregate. */
  async #advance(node: TaskNodeRecord, sink: UsageSink): Promise<void> {
    const limits = this.#tree.limits;
    if (node.kind === null) {
      const forced = node.depth >= limits.maxDepth;
      const atomic =
        forced ||
        (
          await this.#withProvider(node, 'atomize', sink, (provider) =>
            askJson(provider, {
              system: ATOMIZER_SYSTEM,
              user: describeTask(node.goal, this.#ancestors(node), []),
              schema: atomizerAnswerSchema,
              maxAttempts: limits.answerAttempts,
              signal: this.#signal,
            }),
          )
        ).value.atomic;
      await this.#commit(node, { kind: atomic ? 'atomic' : 'composite', ...sink });
      this.#emit({ type: 'node-atomized', treeId: this.#tree.id, node: structuredClone(node), forced });
    }
    if (node.kind === 'atomic') {
      const output = await this.#withHandle(node, 'execute', async (agent) => {
        this.#meter.assertAvailable();
        const provider = meteredProvider(agent.asProvider(this.#options.model), this.#meter, sink);
        const dependencies = node.dependsOn.map((id) => this.#outcome(this.#node(id)));
        return this.#executor(
          {
            treeId: this.#tree.id,
            nodeId: node.id,
            goal: node.goal,
            depth: node.depth,
            ancestors: this.#ancestors(node),
            dependencies,
            attempt: node.attempts,
          },
          { provider, agent, signal: this.#signal },
        );
      });
      if (output.usage) this.#meter.charge(output.usage, sink, output.costUsd);
      await this.#commit(node, {
        ...sink,
        status: 'done',
        role: output.role ?? 'executor',
        result: output.result,
        error: null,
        finishedAt: new Date(),
      });
      return this.#event('node-finished', node);
    }
    if (this.#children(node.id).length === 0) await this.#plan(node, sink);
    await Promise.all(this.#children(node.id).map((child) => this.#afterDependencies(child)));
    const outcomes = this.#children(node.id).map((child) => this.#outcome(child));
    const answer = await this.#withProvider(node, 'aggregate', sink, (provider) =>
      provider.chat(
        {
          messages: [
            { role: 'system', content: AGGREGATOR_SYSTEM },
            { role: 'user', content: describeAggregation(node.goal, outcomes) },
          ],
          ...(this.#options.maxTokens === undefined ? {} : { maxTokens: this.#options.maxTokens }),
        },
        { signal: this.#signal },
      ),
    );
    await this.#commit(node, {
      ...sink,
      status: 'done',
      result: answer.message.content ?? '',
      error: null,
      finishedAt: new Date(),
    });
    this.#event('node-finished', node);
  }

  async #plan(node: TaskNodeRecord, sink: UsageSink): Promise<void> {
    const limits = this.#tree.limits;
    const { value: plan, rejections } = await this.#withProvider(node, 'plan', sink, (provider) =>
      askJson(provider, {
        system: plannerSystem(limits.maxSubtasks),
        user: describeTask(node.goal, this.#ancestors(node), []),
        schema: planSchema,
        check: (candidate) => validatePlan(candidate, limits.maxSubtasks),
        maxAttempts: limits.answerAttempts,
        signal: this.#signal,
      }),
    );
    const children: NewTaskNode[] = plan.subtasks.map((subtask, seq) => ({
      id: `${node.id}/${subtask.id}`,
      parentId: node.id,
      seq,
      depth: node.depth + 1,
      goal: subtask.goal,
      dependsOn: subtask.dependsOn.map((dependency) => `${node.id}/${dependency}`),
    }));
    const patch: TaskNodePatch = { ...sink, role: 'planner+aggregator' };
    await this.#options.store.addChildren(this.#tree.id, node.id, children, patch, this.#fence);
    Object.assign(node, patch);
    const records = children.map((child) => ({
      ...child,
      treeId: this.#tree.id,
      kind: null,
      status: 'pending' as const,
      role: null,
      result: null,
      error: null,
      attempts: 0,
      tokens: zeroUsage(),
      costUsd: 0,
      startedAt: null,
      finishedAt: null,
    }));
    for (const record of records) this.#nodes.set(record.id, record);
    this.#emit({
      type: 'node-planned',
      treeId: this.#tree.id,
      node: structuredClone(node),
      children: structuredClone(records),
      rejections,
    });
  }

  /** Runs a child once its dependencies have ended, whatever their outcome: it sees failures and works around them. */
  async #afterDependencies(child: TaskNodeRecord): Promise<void> {
    await Promise.all(child.dependsOn.map((id) => this.#afterDependencies(this.#node(id))));
    await this.#runNode(child.id);
  }

  #outcome(node: TaskNodeRecord): SubtaskOutcome {
    const status = node.status === 'done' || node.status === 'failed' ? node.status : 'skipped';
    return { key: keyOf(node.id), goal: node.goal, status, result: node.result, error: node.error };
  }

  #ancestors(node: TaskNodeRecord): string[] {
    const goals: string[] = [];
    for (let id = node.parentId; id !== null;) {
      const parent = this.#node(id);
      goals.unshift(parent.goal);
      id = parent.parentId;
    }
    return goals;
  }

  /** A kernel handle for one phase of one node (its syscalls are attributed to `<tree>/<node>#<phase>`). */
  async #withHandle<T>(
    node: TaskNodeRecord,
    phase: Phase,
    work: (agent: AgentHandle) => Promise<T>,
  ): Promise<T> {
    const agent = await this.#options.kernel.acquireAgent(`${this.#tree.id}/${node.id}#${phase}`, {
      ...(this.#options.priority === undefined ? {} : { priority: this.#options.priority }),
    });
    try {
      return await work(agent);
    } finally {
      agent.release();
    }
  }

  #withProvider<T>(
    node: TaskNodeRecord,
    phase: Phase,
    sink: UsageSink,
    work: (provider: ModelProvider) => Promise<T>,
  ): Promise<T> {
    return this.#withHandle(node, phase, (agent) =>
      work(meteredProvider(agent.asProvider(this.#options.model), this.#meter, sink)),
    );
  }
}
