import { randomUUID } from 'node:crypto';

import { UserError } from '../../errors/index.js';
import type { CollaborationMatrix } from './collaboration.js';
import { classifyGoal, normaliseDomains, type Classification } from './classifier.js';
import type { OrchestratorEventListener, OrchestratorEventLog } from './events.js';
import type { MetaOrchestratorOptions } from './options.js';
import { Organisation } from './organisation.js';
import {
  UNKNOWN_DOMAIN,
  type QueuedTask,
  type SpecialistInfo,
  type TaskInput,
  type TaskResult,
  type TaskStep,
  type TeamInfo,
} from './types.js';

/** A sub-orchestrator's place in the organisation. Internal: only an orchestrator makes sub-orchestrators. */
export interface SubOrchestratorContext {
  organisation: Organisation;
  name: string;
  /** The domain it took over; it never hands that domain on. */
  domain: string;
}

export interface DrainResult {
  completed: TaskResult[];
  failed: Array<{ task: QueuedTask; orchestrator: string; error: unknown }>;
}

/**
 * The meta-orchestrator: classifies goals into domains, hands each task to its domains' specialists (spawned
 * from templates on first need, reused afterwards, widened to their team once merged), and reorganises as it
 * goes: merges agents that mostly work together into teams, spawns sub-orchestrators when its queue is too
 * long, and creates specialist types for unknown task patterns that keep recurring. Each reorganisation is an
 * event in `events`.
 */
export class MetaOrchestrator {
  readonly name: string;
  readonly #org: Organisation;
  /** Set on a sub-orchestrator: the domain it owns. */
  readonly #owns: string | undefined;
  readonly #queue: QueuedTask[] = [];
  readonly #subs = new Map<string, MetaOrchestrator>();

  constructor(options: MetaOrchestratorOptions, sub?: SubOrchestratorContext) {
    this.#org = sub?.organisation ?? new Organisation(options);
    this.name = sub?.name ?? options.name ?? 'orchestrator';
    this.#owns = sub?.domain;
  }

  get events(): OrchestratorEventLog {
    return this.#org.events;
  }

  get collaboration(): CollaborationMatrix {
    return this.#org.matrix;
  }

  /** Listens to every event of the organisation (this orchestrator, its sub-orchestrators, the shared parts). */
  on(listener: OrchestratorEventListener): () => void {
    return this.#org.events.on(listener);
  }

  /** Known domains: the templates' and the specialist types created since. */
  domains(): string[] {
    return this.#org.domains().map((entry) => entry.domain);
  }

  specialists(): SpecialistInfo[] {
    return this.#org.specialists();
  }

  teams(): TeamInfo[] {
    return this.#org.teams();
  }

  subOrchestrators(): MetaOrchestrator[] {
    return [...this.#subs.values()];
  }

  /** The tasks waiting here (not in sub-orchestrators), oldest first. */
  queued(): QueuedTask[] {
    return [...this.#queue];
  }

  /** Asks the model which known domains a goal needs (`unknown` when none fits). */
  classify(goal: string, options: { signal?: AbortSignal } = {}): Promise<Classification> {
    return classifyGoal(this.#org.provider, goal, this.#org.domains(), {
      maxAttempts: this.#org.classifyAttempts,
      signal: options.signal,
    });
  }

  /** Classifies a goal and runs it now, bypassing the queue (a sub-orchestrator runs it if it owns the domain). */
  async run(goal: string, input: TaskInput = {}): Promise<TaskResult> {
    const task = await this.#task(goal, input);
    const sub = this.#subFor(task);
    return sub ? sub.#execute(task, input.signal) : this.#execute(task, input.signal);
  }

  /**
   * Classifies a goal and queues it (or passes it to the sub-orchestrator owning its first domain). When this
   * makes the queue longer than `thresholds.maxQueue`, a sub-orchestrator takes over the domain with the most
   * queued tasks.
   */
  async enqueue(goal: string, input: TaskInput = {}): Promise<QueuedTask> {
    const task = await this.#task(goal, input);
    this.#accept(task);
    return task;
  }

  /**
   * Runs every queued task, here in order and in each sub-orchestrator at the same time; tasks queued while
   * draining are run too. A failed task is reported and the others go on. After `signal` aborts, the tasks
   * not started stay queued.
   */
  async drain(options: { signal?: AbortSignal } = {}): Promise<DrainResult> {
    const result: DrainResult = { completed: [], failed: [] };
    // An abort stops between tasks: what ran is returned, what did not stays queued.
    while (this.#pending() > 0 && !options.signal?.aborted) {
      const parts = await Promise.all([
        this.#drainOwn(options.signal),
        ...[...this.#subs.values()].map((sub) => sub.drain(options)),
      ]);
      for (const part of parts) {
        result.completed.push(...part.completed);
        result.failed.push(...part.failed);
      }
    }
    return result;
  }

  #pending(): number {
    return this.#queue.length + [...this.#subs.values()].reduce((sum, sub) => sum + sub.#pending(), 0);
  }

  async #drainOwn(signal: AbortSignal | undefined): Promise<DrainResult> {
    const result: DrainResult = { completed: [], failed: [] };
    while (this.#queue.length > 0 && !signal?.aborted) {
      const task = this.#queue.shift() as QueuedTask;
      try {
        result.completed.push(await this.#execute(task, signal));
      } catch (error) {
        result.failed.push({ task, orchestrator: this.name, error });
      }
    }
    return result;
  }

  async #task(goal: string, input: TaskInput): Promise<QueuedTask> {
    if (goal.trim() === '')
      throw new UserError('invalid_input', 'A task needs a goal.', { data: { field: 'goal' } });
    const id = `task-${randomUUID()}`;
    let domains: string[];
    if (input.domains) {
      const unknown = input.domains.filter((domain) => !this.#org.hasDomain(domain));
      if (unknown.length > 0 || input.domains.length === 0)
        throw new UserError(
          'invalid_input',
          `Unknown domain(s) ${unknown.join(', ') || '(none given)'}; known: ${[...this.domains(), UNKNOWN_DOMAIN].join(', ')}.`,
          { data: { field: 'domains', unknown } },
        );
      domains = normaliseDomains(input.domains);
    } else {
      const classification = await this.classify(goal, input.signal ? { signal: input.signal } : {});
      domains = classification.domains;
      this.#org.events.append(this.name, { type: 'classified', taskId: id, goal, ...classification });
    }
    if (domains[0] !== UNKNOWN_DOMAIN) return { id, goal, domains, enqueuedAt: new Date() };
    const signature = this.#org.signature(goal);
    const created = await this.#org.notePattern(this.name, goal, signature);
    return { id, goal, domains: created ? [created] : domains, signature, enqueuedAt: new Date() };
  }

  #subFor(task: QueuedTask): MetaOrchestrator | undefined {
    const primary = task.domains[0] as string;
    return primary === this.#owns ? undefined : this.#subs.get(primary);
  }

  #accept(task: QueuedTask): void {
    const sub = this.#subFor(task);
    if (sub) return sub.#accept(task);
    const { maxQueue } = this.#org.thresholds;
    const before = this.#queue.length;
    this.#queue.push(task);
    // The rule fires on the crossing (from maxQueue to maxQueue + 1), not on every task while above it.
    if (before <= maxQueue && this.#queue.length > maxQueue) this.#spawnSub();
  }

  /** Hands the domain with the most queued tasks (first queued wins a tie) to a new sub-orchestrator. */
  #spawnSub(): void {
    const counts = new Map<string, number>();
    for (const task of this.#queue) {
      const primary = task.domains[0] as string;
      if (primary !== this.#owns) counts.set(primary, (counts.get(primary) ?? 0) + 1);
    }
    let domain: string | undefined;
    for (const [candidate, count] of counts)
      if (domain === undefined || count > (counts.get(domain) ?? 0)) domain = candidate;
    // A sub-orchestrator's queue holds only its own domain, so it has nothing to hand on.
    if (domain === undefined) return;
    const queueLength = this.#queue.length;
    const sub = new MetaOrchestrator(this.#org.options, {
      organisation: this.#org,
      name: `${this.name}/${domain}`,
      domain,
    });
    this.#subs.set(domain, sub);
    const moved = this.#queue.filter((task) => task.domains[0] === domain);
    this.#queue.splice(0, this.#queue.length, ...this.#queue.filter((task) => task.domains[0] !== domain));
    sub.#queue.push(...moved);
    this.#org.events.append(this.name, {
      type: 'sub-orchestrator-spawned',
      name: sub.name,
      domain,
      queueLength,
      moved: moved.length,
    });
  }

  /**
   * Passes the task along its chain of specialists: the orchestrator hands it to the first, each hands it on
   * with its answer to the next, and the last answer (which saw all the others) is the task's answer.
   */
  async #execute(task: QueuedTask, signal: AbortSignal | undefined): Promise<TaskResult> {
    const steps: TaskStep[] = [];
    let from = this.name;
    for (const domain of this.#org.chain(task.domains)) {
      const { agent } = await this.#org.specialist(domain, this.name);
      this.#org.recordHandoff(this.name, task.id, from, agent, domain);
      const result = await this.#org.runtime.run(
        agent,
        handoffText(task, domain, steps),
        signal ? { signal } : {},
      );
      steps.push({ agent, domain, from, runId: result.runId, answer: result.answer });
      from = agent;
    }
    this.#org.events.append(this.name, {
      type: 'task-completed',
      taskId: task.id,
      agents: steps.map((step) => step.agent),
    });
    return { task, orchestrator: this.name, answer: steps.at(-1)?.answer ?? '', steps };
  }
}

function handoffText(task: QueuedTask, domain: string, steps: TaskStep[]): string {
  if (steps.length === 0) return task.goal;
  return [
    task.goal,
    '',
    'Work so far by other specialists:',
    ...steps.map((step) => `[${step.domain}] ${step.answer}`),
    '',
    `Do the ${domain === UNKNOWN_DOMAIN ? 'remaining' : domain} part and give the complete answer.`,
  ].join('\n');
}
