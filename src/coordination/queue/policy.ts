// What both task queues share, so they validate, order, back off and report identically.
import { setTimeout as sleep } from 'node:timers/promises';

import { ConflictError, NotFoundError, UserError } from '../../errors/index.js';
import type {
  ClaimedTask,
  ClaimOptions,
  EnqueueInput,
  TaskClaim,
  TaskQueueOptions,
  TaskTarget,
} from './types.js';

export interface ResolvedOptions {
  visibilityTimeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  retentionMs: number;
  onceLeaseMs: number;
  pollIntervalMs: number;
}

const MAX_PRIORITY = 1_000_000;

function positiveInt(value: number, field: string, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new UserError('invalid_input', `Task queue: ${field} must be an integer ≥ ${min}, not ${value}.`, {
      data: { field, value },
    });
  }
  return value;
}

export function resolveOptions(options: TaskQueueOptions): ResolvedOptions {
  return {
    visibilityTimeoutMs: positiveInt(options.visibilityTimeoutMs ?? 30_000, 'visibilityTimeoutMs'),
    maxAttempts: positiveInt(options.maxAttempts ?? 5, 'maxAttempts'),
    backoffBaseMs: positiveInt(options.backoff?.baseMs ?? 1_000, 'backoff.baseMs', 0),
    backoffMaxMs: positiveInt(options.backoff?.maxMs ?? 300_000, 'backoff.maxMs', 0),
    retentionMs: positiveInt(options.retentionMs ?? 86_400_000, 'retentionMs'),
    onceLeaseMs: positiveInt(options.onceLeaseMs ?? 30_000, 'onceLeaseMs'),
    pollIntervalMs: positiveInt(options.pollIntervalMs ?? 50, 'pollIntervalMs'),
  };
}

/** The delay before retry number `attempts` (1 after the first failed claim): base · 2^(attempts-1), capped. */
export function backoffMs(options: ResolvedOptions, attempts: number): number {
  return Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
}

/** The queue a target's tasks wait in: `agent:<name>` or `capability:<name>`. */
export function targetKey(target: TaskTarget): string {
  return 'agent' in target ? `agent:${target.agent}` : `capability:${target.capability}`;
}

export function parseTargetKey(key: string): TaskTarget {
  const colon = key.indexOf(':');
  const name = key.slice(colon + 1);
  return key.slice(0, colon) === 'agent' ? { agent: name } : { capability: name };
}

function name(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new UserError('invalid_input', `Task queue: ${field} must be a non-empty string.`, {
      data: { field },
    });
  }
  return value;
}

export interface NormalisedTask {
  target: string;
  kind: string;
  payloadJson: string;
  priority: number;
  idempotencyKey: string | null;
  maxAttempts: number;
  delayMs: number;
}

export function normaliseEnqueue(input: EnqueueInput, options: ResolvedOptions): NormalisedTask {
  const target = input.target as Partial<{ agent: unknown; capability: unknown }>;
  if ((target.agent === undefined) === (target.capability === undefined)) {
    throw new UserError('invalid_input', 'Task queue: target must name exactly one of agent or capability.', {
      data: { field: 'target' },
    });
  }
  const key =
    target.agent !== undefined
      ? targetKey({ agent: name(target.agent, 'target.agent') })
      : targetKey({ capability: name(target.capability, 'target.capability') });
  const priority = input.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > MAX_PRIORITY) {
    throw new UserError('invalid_input', `Task queue: priority must be an integer within ±${MAX_PRIORITY}.`, {
      data: { field: 'priority', value: priority },
    });
  }
  return {
    target: key,
    kind: name(input.kind, 'kind'),
    payloadJson: toJson(input.payload ?? null, 'payload'),
    priority,
    idempotencyKey: input.idempotencyKey === undefined ? null : name(input.idempotencyKey, 'idempotencyKey'),
    maxAttempts: positiveInt(input.maxAttempts ?? options.maxAttempts, 'maxAttempts'),
    delayMs: positiveInt(input.delayMs ?? 0, 'delayMs', 0),
  };
}

export function toJson(value: unknown, field: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value ?? null);
  } catch (cause) {
    throw new UserError('invalid_input', `Task queue: ${field} is not JSON: ${String(cause)}`, {
      cause,
      data: { field },
    });
  }
  if (json === undefined) {
    throw new UserError('invalid_input', `Task queue: ${field} is not JSON.`, { data: { field } });
  }
  return json;
}

/** The targets a claim may take from; at least one. */
export function claimTargets(options: ClaimOptions): string[] {
  name(options.worker, 'worker');
  const targets = (options.capabilities ?? []).map((capability) =>
    targetKey({ capability: name(capability, 'capabilities[]') }),
  );
  if (options.agent !== undefined) targets.unshift(targetKey({ agent: name(options.agent, 'agent') }));
  if (targets.length === 0) {
    throw new UserError(
      'invalid_input',
      'Task queue: a claim must name an agent or at least one capability.',
      {
        data: { field: 'capabilities' },
      },
    );
  }
  return targets;
}

export const taskNotFound = (id: string): NotFoundError =>
  new NotFoundError(`No task ${id} (never enqueued, or done and past retention).`, { data: { taskId: id } });

export const claimLost = (claim: TaskClaim, state: string): ConflictError =>
  new ConflictError(
    `Task ${claim.id} is no longer held by this claim (it is ${state}): its visibility timeout passed and it returned to the queue, or the claim was already settled.`,
    { data: { taskId: claim.id, state } },
  );

export const notDead = (id: string, state: string): ConflictError =>
  new ConflictError(`Task ${id} is ${state}, not dead-lettered.`, { data: { taskId: id, state } });

/**
 * A claim that waits: tries, then sleeps until `wake` fires (in process, on enqueue) or the poll
 * interval passes, until `waitMs` is over.
 */
export async function claimWaiting(
  tryClaim: () => Promise<ClaimedTask | undefined>,
  waitMs: number,
  pollMs: number,
  wake?: (signal: AbortSignal) => Promise<void>,
): Promise<ClaimedTask | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const task = await tryClaim();
    const left = deadline - Date.now();
    if (task || left <= 0) return task;
    const controller = new AbortController();
    const waits: Promise<void>[] = [sleep(Math.min(pollMs, left), undefined, { signal: controller.signal })];
    if (wake) waits.push(wake(controller.signal));
    // The loser is aborted below; its rejection is expected and must not go unhandled.
    await Promise.race(waits.map((wait) => wait.catch(() => undefined)));
    controller.abort();
  }
}

export type OnceBegin = { status: 'done'; json: string } | { status: 'acquired' } | { status: 'busy' };

/** The steps of `once` that differ per backend; `owner` identifies this call's lease. */
export interface OnceSteps {
  begin(owner: string): Promise<OnceBegin>;
  finish(owner: string, json: string): Promise<void>;
  abandon(owner: string): Promise<void>;
}

/** `once` on top of a backend's lease steps: shared so both queues wait, record and give up the same way. */
export async function runOnce<T>(
  steps: OnceSteps,
  owner: string,
  effect: () => Promise<T> | T,
  pollMs: number,
): Promise<{ value: T; applied: boolean }> {
  for (;;) {
    const begun = await steps.begin(owner);
    if (begun.status === 'done') return { value: JSON.parse(begun.json) as T, applied: false };
    if (begun.status === 'busy') {
      // Another caller is applying it right now; its record (or its lease lapsing) decides what we do.
      await sleep(pollMs);
      continue;
    }
    let value: T;
    try {
      value = await effect();
    } catch (error) {
      await steps.abandon(owner).catch(() => undefined);
      throw error;
    }
    // Returned as recorded, so the applied and the skipped paths give callers the same JSON shape.
    const json = toJson(value, 'once value');
    await steps.finish(owner, json);
    return { value: JSON.parse(json) as T, applied: true };
  }
}
