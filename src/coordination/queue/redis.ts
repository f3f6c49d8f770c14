import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import { closedError } from '../bus/errors.js';
import {
  closeClient,
  guard,
  openClient,
  type LuaScript,
  type RedisClientOptions,
  type RedisConnection,
} from '../bus/redis-support.js';
import {
  claimLost,
  claimTargets,
  claimWaiting,
  normaliseEnqueue,
  notDead,
  parseTargetKey,
  resolveOptions,
  runOnce,
  taskNotFound,
  toJson,
  type OnceBegin,
  type ResolvedOptions,
} from './policy.js';
import {
  ACK,
  CLAIM,
  ENQUEUE,
  EXTEND,
  FAIL,
  ONCE_ABANDON,
  ONCE_BEGIN,
  ONCE_FINISH,
  RETRY_DEAD,
} from './redis-scripts.js';
import type {
  AckResult,
  ClaimedTask,
  ClaimOptions,
  EnqueueInput,
  Failure,
  FailResult,
  OnceResult,
  TaskClaim,
  TaskQueue,
  TaskQueueOptions,
  TaskRecord,
  TaskState,
} from './types.js';

export interface RedisTaskQueueOptions extends TaskQueueOptions, RedisClientOptions {
  /** A client (left open on close) or a URL (the queue creates its client and closes it). */
  redis: RedisConnection;
  /** Prefix of every key (default 'hydra:'). */
  prefix?: string;
  /** Queues with different names on one Redis share nothing (default 'tasks'). */
  name?: string;
}

/**
 * The task queue on Redis: tasks in hashes, ready queues as sorted sets per agent and capability, every
 * state change one Lua script. What `enqueue` and `ack` confirmed survives a Redis restart as far as
 * Redis persists it (appendonly with appendfsync always: all of it). Needs a single Redis (not Cluster).
 */
export class RedisTaskQueue implements TaskQueue {
  private readonly options: ResolvedOptions;
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: RedisTaskQueueOptions) {
    this.options = resolveOptions(options);
    const opened = openClient(options.redis);
    this.client = opened.client;
    this.owned = opened.owned;
    // Connection errors surface as failed calls; without a listener ioredis would print each retry.
    if (this.owned) this.client.on('error', () => undefined);
    this.keyPrefix = `${options.prefix ?? 'hydra:'}queue:${options.name ?? 'tasks'}:`;
    this.timeoutMs = options.operationTimeoutMs ?? 5_000;
  }

  async enqueue(input: EnqueueInput): Promise<{ task: TaskRecord; created: boolean }> {
    const spec = normaliseEnqueue(input, this.options);
    const reply = (await this.run('enqueue', ENQUEUE, [
      randomUUID(),
      spec.idempotencyKey ?? '',
      this.options.retentionMs,
      spec.target,
      spec.kind,
      spec.payloadJson,
      spec.priority,
      spec.maxAttempts,
      spec.delayMs,
    ])) as [number, string[]];
    return { task: toRecord(reply[1]), created: reply[0] === 1 };
  }

  async claim(options: ClaimOptions): Promise<ClaimedTask | undefined> {
    const targets = claimTargets(options);
    const visibility = options.visibilityTimeoutMs ?? this.options.visibilityTimeoutMs;
    return claimWaiting(
      async () => {
        const token = randomUUID();
        const reply = (await this.run('claim', CLAIM, [options.worker, token, visibility, ...targets])) as
          string[] | null;
        return reply ? ({ ...toRecord(reply), token } as ClaimedTask) : undefined;
      },
      options.waitMs ?? 0,
      this.options.pollIntervalMs,
    );
  }

  async ack(claim: TaskClaim, result?: unknown): Promise<AckResult> {
    const resultJson = toJson(result ?? null, 'result');
    const check = (await this.run('ack', ACK, [claim.id, claim.token, resultJson, this.options.retentionMs], {
      taskId: claim.id,
    })) as string;
    if (check === 'done') return { duplicate: true };
    this.settle(claim, check);
    return { duplicate: false };
  }

  async fail(claim: TaskClaim, failure: Failure): Promise<FailResult> {
    const reply = (await this.run(
      'fail',
      FAIL,
      [
        claim.id,
        claim.token,
        failure.error,
        failure.retry === false ? '0' : '1',
        this.options.backoffBaseMs,
        this.options.backoffMaxMs,
      ],
      { taskId: claim.id },
    )) as [string, 'queued' | 'dead', number?];
    this.settle(claim, reply[0]);
    return { state: reply[1], retryAt: reply[2] === undefined ? null : new Date(reply[2]) };
  }

  async extend(claim: TaskClaim, visibilityTimeoutMs?: number): Promise<Date> {
    const ms = visibilityTimeoutMs ?? this.options.visibilityTimeoutMs;
    const reply = (await this.run('extend', EXTEND, [claim.id, claim.token, ms], { taskId: claim.id })) as [
      string,
      number?,
    ];
    this.settle(claim, reply[0]);
    return new Date(reply[1] ?? 0);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const fields = await this.call('get', () => this.client.hgetall(this.key(`task:${id}`)), { taskId: id });
    return Object.keys(fields).length === 0 ? undefined : recordOf(fields);
  }

  async deadLetters(limit = 1_000): Promise<TaskRecord[]> {
    return this.call('deadLetters', async () => {
      const ids = await this.client.zrange(this.key('dead'), '0', String(limit - 1));
      const pipeline = this.client.pipeline();
      for (const id of ids) pipeline.hgetall(this.key(`task:${id}`));
      const replies = (await pipeline.exec()) ?? [];
      return replies
        .map(([, fields]) => fields as Record<string, string>)
        .filter((fields) => Object.keys(fields).length > 0)
        .map(recordOf);
    });
  }

  async retryDead(id: string): Promise<TaskRecord> {
    const reply = (await this.run('retryDead', RETRY_DEAD, [id], { taskId: id })) as [string, unknown];
    if (reply[0] === 'missing') throw taskNotFound(id);
    if (reply[0] === 'state') throw notDead(id, String(reply[1]));
    return toRecord(reply[1] as string[]);
  }

  async once<T>(key: string, effect: () => Promise<T> | T): Promise<OnceResult<T>> {
    const data = { onceKey: key };
    return runOnce(
      {
        begin: async (owner) => {
          const reply = (await this.run(
            'once',
            ONCE_BEGIN,
            [key, owner, this.options.onceLeaseMs],
            data,
          )) as ['done' | 'busy' | 'acquired', string?];
          return (
            reply[0] === 'done' ? { status: 'done', json: reply[1] ?? 'null' } : { status: reply[0] }
          ) as OnceBegin;
        },
        finish: async (owner, json) => {
          await this.run('once', ONCE_FINISH, [key, owner, json, this.options.retentionMs], data);
        },
        abandon: async (owner) => {
          await this.run('once', ONCE_ABANDON, [key, owner], data);
        },
      },
      randomUUID(),
      effect,
      this.options.pollIntervalMs,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.owned) await closeClient(this.client);
  }

  /** Throws for a claim check other than 'ok' ('done' is handled by the callers that accept it). */
  private settle(claim: TaskClaim, check: string): void {
    if (check === 'ok') return;
    if (check === 'missing') throw taskNotFound(claim.id);
    throw claimLost(claim, check.startsWith('lost:') ? check.slice(5) : check);
  }

  private run(
    what: string,
    lua: LuaScript,
    args: (string | number)[],
    data: Record<string, unknown> = {},
  ): Promise<unknown> {
    return this.call(what, () => lua.run(this.client, [], [this.keyPrefix, ...args]), data);
  }

  private call<T>(what: string, operation: () => Promise<T>, data: Record<string, unknown> = {}): Promise<T> {
    if (this.closed) return Promise.reject(closedError('task queue'));
    return guard(`task queue ${what}`, this.timeoutMs, operation, data);
  }

  private key(suffix: string): string {
    return this.keyPrefix + suffix;
  }
}

function toRecord(flat: string[]): TaskRecord {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] ?? ''] = flat[i + 1] ?? '';
  return recordOf(fields);
}

const orNull = (value: string | undefined): string | null =>
  value === undefined || value === '' ? null : value;
const dateOrNull = (value: string | undefined): Date | null =>
  orNull(value) === null ? null : new Date(Number(value));

function recordOf(fields: Record<string, string>): TaskRecord {
  return {
    id: fields['id'] ?? '',
    kind: fields['kind'] ?? '',
    target: parseTargetKey(fields['target'] ?? ''),
    payload: JSON.parse(fields['payload'] || 'null') as unknown,
    priority: Number(fields['priority']),
    idempotencyKey: orNull(fields['idempotencyKey']),
    state: fields['state'] as TaskState,
    attempts: Number(fields['attempts']),
    maxAttempts: Number(fields['maxAttempts']),
    enqueuedAt: new Date(Number(fields['enqueuedAt'])),
    availableAt: new Date(Number(fields['availableAt'])),
    claimedBy: orNull(fields['claimedBy']),
    deadline: dateOrNull(fields['deadline']),
    lastError: orNull(fields['lastError']),
    result: JSON.parse(fields['result'] || 'null') as unknown,
    finishedAt: dateOrNull(fields['finishedAt']),
  };
}
