import { EventEmitter } from 'node:events';

import { EscalationError, HydraError, KernelBusyError, KernelClosedError } from '../errors/index.js';
import { AgentHandle, type AcquireAgentOptions } from './agent-handle.js';
import type { KernelPort, RunOutcome, SyscallSpec } from './kernel-port.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { kernelConfigSchema, type KernelConfigInput } from './config.js';
import { NodeRouter, type NodeRegistry } from './node-registry.js';
import { CapacityResource, LlmBackend, type LlmBackendOptions } from './resources.js';
import { createScheduler, type QueuedItem, type Scheduler } from './schedulers/index.js';
import { InMemorySnapshotStore, type GenerationSnapshot, type SnapshotStore } from './snapshots.js';
import { KernelMetrics, type KernelStats } from './stats.js';
import {
  SYSCALL_TYPES,
  type KernelEventMap,
  type KernelEventName,
  type SyscallInfo,
  type SyscallType,
} from './types.js';

export interface KernelOptions extends Omit<KernelConfigInput, 'backends'> {
  /** Model endpoints the kernel dispatches `llm` syscalls to. */
  backends?: LlmBackendOptions[];
  /** Where preempted generations are saved (default: in memory). */
  snapshots?: SnapshotStore;
  /** Nodes for placement by requirements (default: everything runs here). */
  nodes?: NodeRegistry;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  random?: () => number;
}

interface Entry {
  spec: SyscallSpec;
  info: SyscallInfo;
  item: QueuedItem;
  controller: AbortController;
  heldSince: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Called once the running attempt has released its resource (close() waits for it). */
  onReleased?: (() => void) | undefined;
  retryTimer?: ReturnType<typeof setTimeout> | undefined;
}

const clock = (): number => performance.timeOrigin + performance.now();

/**
 * Hydra's kernel: every agent effect is a syscall that waits in a per-type queue ordered by the configured
 * scheduler and is dispatched the moment its resource (a model endpoint's slots, a tool's parallelism, a
 * memory or storage pool) has room. It never sends a model more concurrent generations than its slots,
 * refuses prompts that cannot fit before sending them, retries transient failures with backoff and
 * escalates after the last attempt, and preempts long generations when a time slice is set.
 */
export class Kernel implements KernelPort {
  readonly config: ReturnType<typeof kernelConfigSchema.parse>;
  readonly backends: LlmBackend[];
  readonly snapshots: SnapshotStore;
  readonly router: NodeRouter | undefined;
  readonly now: () => number;
  readonly #random: () => number;
  readonly #events = new EventEmitter();
  readonly #schedulers: Record<SyscallType, Scheduler>;
  readonly #entries = new Map<string, Entry>();
  readonly pools: { memory: CapacityResource; storage: CapacityResource };
  readonly #resources = new Map<string, CapacityResource>();
  readonly #agents = new Set<string>();
  readonly #agentWaiters: Array<() => void> = [];
  readonly #roomWaiters: Array<() => void> = [];
  readonly metrics = new KernelMetrics();
  #queued = 0;
  #sequence = 0;
  #nextId = 0;
  #wakeTimer: { at: number; timer: ReturnType<typeof setTimeout> } | undefined;
  #closed = false;

  constructor(options: KernelOptions = {}) {
    const { backends = [], snapshots, nodes, now, random, ...config } = options;
    this.config = kernelConfigSchema.parse(config);
    this.now = now ?? clock;
    this.#random = random ?? Math.random;
    this.backends = backends.map((backend) => new LlmBackend(backend, this.now));
    // Loading a tokenizer's ranks is a one-time cost; paying it here keeps it out of per-syscall overhead.
    for (const backend of this.backends) backend.provider.tokenizer.count('warm up');
    this.snapshots = snapshots ?? new InMemorySnapshotStore();
    this.router = nodes ? new NodeRouter(nodes) : undefined;
    const { policy, agingMs, starvationMs } = this.config.scheduler;
    this.#schedulers = Object.fromEntries(
      SYSCALL_TYPES.map((type) => [type, createScheduler(policy, { agingMs, starvationMs })]),
    ) as Record<SyscallType, Scheduler>;
    this.pools = {
      memory: new CapacityResource('memory', this.config.memoryConcurrency),
      storage: new CapacityResource('storage', this.config.storageConcurrency),
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  on<Name extends KernelEventName>(name: Name, listener: (event: KernelEventMap[Name]) => void): () => void {
    this.#events.on(name, listener);
    return () => this.#events.off(name, listener);
  }

  /**
   * Admits an agent, waiting (in arrival order) while `maxConcurrentAgents` are active. Every syscall goes
   * through the returned handle; release it when the agent is done.
   */
  async acquireAgent(agentId: string, options: AcquireAgentOptions = {}): Promise<AgentHandle> {
    this.#assertOpen();
    while (this.#agents.size >= this.config.maxConcurrentAgents) {
      await new Promise<void>((resolve) => this.#agentWaiters.push(resolve));
      this.#assertOpen();
    }
    this.#agents.add(agentId);
    return new AgentHandle(this, agentId, options, () => this.#releaseAgent(agentId));
  }

  /**
   * A named resource with a parallelism limit, created on first use: a tool (`tool:<name>`, limited to what
   * the tool declares or the kernel default) or a backend's embedding lane.
   */
  resource(name: string, limit: number | 'unlimited'): CapacityResource {
    let resource = this.#resources.get(name);
    if (!resource) {
      resource = new CapacityResource(name, limit);
      this.#resources.set(name, resource);
    }
    return resource;
  }

  /** Generations paused by preemption and saved to the snapshot store; resume one by submitting its syscall id again. */
  pendingSnapshots(): Promise<GenerationSnapshot[]> {
    return this.snapshots.list();
  }

  /** Counts a model call refused by admission control (it was never sent). */
  noteContextOverflow(): void {
    this.metrics.count('contextOverflows');
  }

  /** Accounts time spent in kernel code; agent handles wrap their synchronous preparation in it too. */
  measure<T>(work: () => T): T {
    return this.metrics.measure(work);
  }

  /** Queues a syscall and resolves with its result. Used by agent handles. */
  async submit(spec: SyscallSpec): Promise<unknown> {
    this.#assertOpen();
    await this.#waitForRoom();
    return this.measure(() => {
      const id = spec.id ?? `sys-${++this.#nextId}`;
      if (this.#entries.has(id))
        throw new KernelBusyError(`Syscall id "${id}" is already in flight.`, { data: { syscallId: id } });
      const createdAt = this.now();
      const info: SyscallInfo = {
        id,
        type: spec.type,
        operation: spec.operation,
        agentId: spec.agentId,
        priority: spec.priority,
        status: 'queued',
        createdAt,
        attempts: 0,
        preemptions: 0,
        ...(spec.target !== undefined ? { target: spec.target } : {}),
      };
      const controller = new AbortController();
      const promise = new Promise<unknown>((resolve, reject) => {
        const entry: Entry = {
          spec,
          info,
          controller,
          heldSince: 0,
          resolve,
          reject,
          item: this.#item(info, createdAt, ++this.#sequence),
        };
        this.#entries.set(id, entry);
        this.metrics.count('submitted');
        spec.signal?.addEventListener('abort', () => this.#cancel(entry, spec.signal?.reason), {
          once: true,
        });
        this.#enqueue(entry);
        this.#emit('syscall-queued', () => ({ syscall: { ...info } }));
      });
      this.#pump();
      return promise;
    });
  }

  stats(): KernelStats {
    return this.metrics.snapshot({
      agents: {
        active: this.#agents.size,
        waiting: this.#agentWaiters.length,
        max: this.config.maxConcurrentAgents,
      },
      running: this.#entries.size - this.#queued,
      queued: this.#queued,
      queueDepth: Object.fromEntries(
        SYSCALL_TYPES.map((type) => [type, this.#schedulers[type].size]),
      ) as Record<SyscallType, number>,
      backends: this.backends.map((backend) => ({
        id: backend.id,
        slots: backend.limit,
        busy: backend.busy,
        queued: backend.queued,
        busySlotMs: backend.busyMs,
        requests: backend.completed,
      })),
    });
  }

  /**
   * Stops the kernel: queued syscalls fail with `KernelClosedError`, running ones are aborted, and the
   * promise resolves when all have settled. Paused generations stay in the snapshot store.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer.timer);
    const closing = new KernelClosedError('The kernel closed before this syscall finished.');
    const running: Promise<unknown>[] = [];
    for (const entry of [...this.#entries.values()]) {
      if (entry.info.status === 'running') {
        running.push(new Promise<void>((resolve) => (entry.onReleased = resolve)));
        entry.controller.abort(closing);
      } else this.#fail(entry, closing);
    }
    for (const wake of this.#agentWaiters.splice(0)) wake();
    for (const wake of this.#roomWaiters.splice(0)) wake();
    await Promise.race([Promise.all(running), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  }

  #assertOpen(): void {
    if (this.#closed) throw new KernelClosedError();
  }

  #item(info: SyscallInfo, now: number, sequence: number): QueuedItem {
    return { id: info.id, agentId: info.agentId, priority: info.priority, enqueuedAt: now, sequence };
  }

  #enqueue(entry: Entry): void {
    entry.info.status = 'queued';
    entry.spec.resource.queued++;
    this.#queued++;
    this.#schedulers[entry.spec.type].enqueue(entry.item);
  }

  /** Dispatches everything that can run now. Called whenever capacity frees or work arrives. */
  #pump(): void {
    if (this.#closed) return;
    this.measure(() => {
      let wakeIn = Number.POSITIVE_INFINITY;
      for (const type of SYSCALL_TYPES) {
        const scheduler = this.#schedulers[type];
        while (scheduler.size > 0) {
          const item = scheduler.dequeue(this.now(), (candidate) => {
            const entry = this.#entries.get(candidate.id);
            if (!entry || !entry.spec.resource.hasCapacity(entry.spec.cost)) return false;
            const delay = entry.spec.resource.delayFor(entry.spec.cost);
            if (delay > 0) wakeIn = Math.min(wakeIn, delay);
            return delay === 0;
          });
          const entry = item && this.#entries.get(item.id);
          if (!entry) break;
          this.#start(entry);
        }
      }
      if (Number.isFinite(wakeIn)) this.#wakeAfter(wakeIn);
    });
  }

  /** A rate limit, not a slot, is what holds work back: look again when it refills. */
  #wakeAfter(delayMs: number): void {
    const at = this.now() + delayMs;
    if (this.#wakeTimer && this.#wakeTimer.at <= at) return;
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer.timer);
    const timer = setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#pump();
    }, Math.ceil(delayMs));
    this.#wakeTimer = { at, timer };
  }

  #start(entry: Entry): void {
    const { spec, info } = entry;
    spec.resource.queued--;
    this.#queued--;
    spec.resource.acquire(spec.cost);
    entry.heldSince = performance.now();
    info.status = 'running';
    info.attempts++;
    if (info.startedAt === undefined) {
      info.startedAt = this.now();
      this.metrics.started(spec.type, info.startedAt - info.createdAt);
    }
    this.#emit('syscall-started', () => ({ syscall: { ...info } }));
    const signal = entry.controller.signal;
    spec.run(signal, info.id).then(
      (outcome) => this.measure(() => this.#onOutcome(entry, outcome)),
      (error: unknown) => this.measure(() => this.#onError(entry, error)),
    );
  }

  /** Frees the entry's resource, now or after `delayMs` (the slot stays busy meanwhile). */
  #release(entry: Entry, actualCost: number, delayMs = 0): void {
    const heldMs = performance.now() - entry.heldSince;
    const { resource, cost } = entry.spec;
    if (entry.spec.type === 'llm') this.#schedulers.llm.recordService(entry.info.agentId, heldMs);
    entry.onReleased?.();
    if (delayMs <= 0) return resource.release(heldMs, cost, actualCost);
    setTimeout(() => {
      resource.release(heldMs + delayMs, cost, actualCost);
      this.#pump();
    }, delayMs).unref();
  }

  #onOutcome(entry: Entry, outcome: RunOutcome): void {
    if (outcome.kind === 'preempted') {
      // The server frees a cut-off generation's slot only once it notices the closed connection; reusing the
      // slot at once would meet a full server (a 429 on endpoints that reject instead of queueing).
      this.#release(entry, entry.spec.cost, this.config.scheduler.preemptionGraceMs);
      this.metrics.count('preemptions');
      entry.info.preemptions++;
      entry.info.status = 'preempted';
      this.#emit('syscall-preempted', () => ({
        syscall: { ...entry.info },
        partialTokens: outcome.partialTokens,
      }));
      if (this.#closed)
        return this.#fail(
          entry,
          new KernelClosedError('The kernel closed while this generation was paused.'),
        );
      // A preempted generation goes to the back of the line: that is the point of the time slice.
      entry.item = this.#item(entry.info, this.now(), ++this.#sequence);
      this.#enqueue(entry);
    } else {
      this.#release(entry, (outcome.tokensIn ?? 0) + (outcome.tokensOut ?? 0) || entry.spec.cost);
      this.metrics.account(entry.info.agentId, outcome.tokensIn ?? 0, outcome.tokensOut ?? 0);
      this.#finish(entry, 'done');
      entry.resolve(outcome.value);
    }
    this.#pump();
  }

  #onError(entry: Entry, error: unknown): void {
    this.#release(entry, entry.spec.cost);
    const failure = HydraError.isInstance(error) ? error : undefined;
    const cancelled = entry.controller.signal.aborted;
    if (!cancelled && failure?.retryable && entry.spec.retryable) {
      const policy = this.#retryPolicy();
      if (entry.info.attempts < policy.maxAttempts) {
        const retryAfterMs = (failure as { retryAfterMs?: number }).retryAfterMs;
        const delayMs = backoffDelay(entry.info.attempts, policy, this.#random, retryAfterMs);
        this.metrics.count('retries');
        entry.info.status = 'retrying';
        this.#emit('syscall-retry', () => ({ syscall: { ...entry.info }, error: failure, delayMs }));
        entry.retryTimer = setTimeout(() => {
          entry.retryTimer = undefined;
          if (this.#closed) return;
          this.#enqueue(entry);
          this.#pump();
        }, delayMs);
        this.#pump();
        return;
      }
      const escalation = new EscalationError(
        `${entry.info.operation} for agent ${entry.info.agentId} failed ${entry.info.attempts} times; last error: ${failure.message}`,
        {
          attempts: entry.info.attempts,
          lastError: failure,
          data: { syscallId: entry.info.id, target: entry.info.target },
        },
      );
      this.metrics.count('escalations');
      this.#emit('escalation', () => ({ syscall: { ...entry.info, error: escalation }, error: escalation }));
      this.#fail(entry, escalation);
    } else {
      const reason = cancelled ? (entry.controller.signal.reason ?? error) : error;
      this.#fail(entry, HydraError.isInstance(reason) ? reason : error);
    }
    this.#pump();
  }

  #retryPolicy(): BackoffPolicy {
    return { ...this.config.retry, multiplier: 2, jitter: 'equal' };
  }

  #cancel(entry: Entry, reason: unknown): void {
    if (!this.#entries.has(entry.info.id)) return;
    if (entry.info.status === 'running') entry.controller.abort(reason);
    else this.#fail(entry, reason);
  }

  #fail(entry: Entry, error: unknown): void {
    if (!this.#entries.has(entry.info.id)) return;
    if (entry.retryTimer) clearTimeout(entry.retryTimer);
    if (entry.info.status === 'queued') {
      this.#schedulers[entry.spec.type].remove(entry.info.id);
      entry.spec.resource.queued--;
      this.#queued--;
    }
    if (HydraError.isInstance(error)) entry.info.error = error;
    this.#finish(entry, 'failed');
    entry.reject(error);
  }

  #finish(entry: Entry, status: 'done' | 'failed'): void {
    const { info } = entry;
    info.status = status;
    info.finishedAt = this.now();
    this.metrics.finished(entry.spec.type, status, info.finishedAt - info.createdAt);
    this.#entries.delete(info.id);
    this.#emit('syscall-finished', () => ({ syscall: { ...info } }));
    this.#roomWaiters.shift()?.();
  }

  async #waitForRoom(): Promise<void> {
    while (this.#queued >= this.config.maxQueuedSyscalls) {
      if (this.config.backpressure === 'reject') {
        throw new KernelBusyError(
          `${this.#queued} syscalls are already queued (kernel.maxQueuedSyscalls = ${this.config.maxQueuedSyscalls}).`,
        );
      }
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
      this.#assertOpen();
    }
  }

  #releaseAgent(agentId: string): void {
    if (!this.#agents.delete(agentId)) return;
    for (const scheduler of Object.values(this.#schedulers)) scheduler.forgetAgent(agentId);
    this.#agentWaiters.shift()?.();
  }

  /** Events are built only when someone listens: a busy kernel emits several per syscall. */
  #emit<Name extends KernelEventName>(name: Name, event: () => KernelEventMap[Name]): void {
    if (this.#events.listenerCount(name) > 0) this.#events.emit(name, event());
  }
}
