import { randomUUID } from 'node:crypto';

import { NotFoundError } from '../../errors/index.js';
import type { ChatMessage, TokenUsage } from '../../models/index.js';
import type { Migration, SqlExecutor, Store } from '../../store/index.js';
import type { AgentStopReason } from '../run-agent.js';

export const AGENT_RUN_MIGRATIONS: readonly Migration[] = [
  {
    component: 'agents',
    version: 1,
    description: 'durable agent runs: runs, their messages, and per-call usage',
    async up(tx) {
      await tx.query(`
        create table agent_runs (
          id text primary key,
          agent text not null,
          parent_run_id text references agent_runs (id) on delete cascade,
          parent_call_id text,
          goal text not null,
          status text not null,
          answer text,
          steps integer not null default 0,
          prompt_tokens bigint not null default 0,
          completion_tokens bigint not null default 0,
          cost_usd double precision not null default 0,
          error jsonb,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`);
      await tx.query(`create index agent_runs_status on agent_runs (status, created_at)`);
      await tx.query(
        `create unique index agent_runs_parent_call on agent_runs (parent_run_id, parent_call_id) where parent_call_id is not null`,
      );
      await tx.query(`
        create table agent_run_messages (
          run_id text not null references agent_runs (id) on delete cascade,
          seq integer not null,
          message jsonb not null,
          created_at timestamptz not null default now(),
          primary key (run_id, seq)
        )`);
      await tx.query(`
        create table agent_run_calls (
          run_id text not null references agent_runs (id) on delete cascade,
          step integer not null,
          model text not null,
          prompt_tokens integer not null,
          completion_tokens integer not null,
          cost_usd double precision not null,
          created_at timestamptz not null default now(),
          primary key (run_id, step)
        )`);
    },
  },
];

export type RunStatus = 'running' | 'failed' | AgentStopReason;

export interface RunRecord {
  id: string;
  agent: string;
  parentRunId: string | null;
  parentCallId: string | null;
  goal: string;
  status: RunStatus;
  answer: string | null;
  steps: number;
  usage: TokenUsage;
  costUsd: number;
  error: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

interface RunRow {
  id: string;
  agent: string;
  parent_run_id: string | null;
  parent_call_id: string | null;
  goal: string;
  status: RunStatus;
  answer: string | null;
  steps: number;
  prompt_tokens: number | string;
  completion_tokens: number | string;
  cost_usd: number;
  error: Record<string, unknown> | null;
  created_at: Date | string;
  updated_at: Date | string;
}

function toRun(row: RunRow): RunRecord {
  const promptTokens = Number(row.prompt_tokens);
  const completionTokens = Number(row.completion_tokens);
  return {
    id: row.id,
    agent: row.agent,
    parentRunId: row.parent_run_id,
    parentCallId: row.parent_call_id,
    goal: row.goal,
    status: row.status,
    answer: row.answer,
    steps: row.steps,
    usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
    costUsd: Number(row.cost_usd),
    error: row.error,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** A model call's usage, recorded in the same transaction as the reply it produced. */
export interface CallUsage {
  step: number;
  model: string;
  usage: TokenUsage;
  costUsd: number;
}

/** Durable runs: every message is committed before the loop goes on, so a crashed run resumes where it stopped. */
export class RunStore {
  readonly store: Store;

  private constructor(store: Store) {
    this.store = store;
  }

  static async open(store: Store): Promise<RunStore> {
    await store.migrate(AGENT_RUN_MIGRATIONS);
    return new RunStore(store);
  }

  async create(input: {
    /** A caller-chosen id (idempotent runs); default a new one. */
    id?: string;
    agent: string;
    goal: string;
    parentRunId?: string;
    parentCallId?: string;
  }): Promise<RunRecord> {
    const { rows } = await this.store.query<RunRow>(
      `insert into agent_runs (id, agent, goal, status, parent_run_id, parent_call_id) values ($1, $2, $3, 'running', $4, $5) returning *`,
      [
        input.id ?? `run-${randomUUID()}`,
        input.agent,
        input.goal,
        input.parentRunId ?? null,
        input.parentCallId ?? null,
      ],
    );
    return toRun(rows[0] as RunRow);
  }

  async get(runId: string): Promise<RunRecord> {
    const { rows } = await this.store.query<RunRow>(`select * from agent_runs where id = $1`, [runId]);
    if (!rows[0])
      throw new NotFoundError(`No run ${runId}. List runs with: hydra runs list`, { data: { runId } });
    return toRun(rows[0]);
  }

  async find(runId: string): Promise<RunRecord | undefined> {
    const { rows } = await this.store.query<RunRow>(`select * from agent_runs where id = $1`, [runId]);
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  /** The run started by a parent's tool call (a handoff or agent-as-tool), if there is one. */
  async childOf(parentRunId: string, callId: string): Promise<RunRecord | undefined> {
    const { rows } = await this.store.query<RunRow>(
      `select * from agent_runs where parent_run_id = $1 and parent_call_id = $2`,
      [parentRunId, callId],
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async list(options: { status?: RunStatus; limit?: number } = {}): Promise<RunRecord[]> {
    const { rows } = await this.store.query<RunRow>(
      `select * from agent_runs where ($1::text is null or status = $1) order by created_at desc limit $2`,
      [options.status ?? null, options.limit ?? 50],
    );
    return rows.map(toRun);
  }

  async messages(runId: string): Promise<ChatMessage[]> {
    const { rows } = await this.store.query<{ message: ChatMessage }>(
      `select message from agent_run_messages where run_id = $1 order by seq`,
      [runId],
    );
    return rows.map((row) => row.message);
  }

  /** Appends messages (and the usage of the call that produced them) in one transaction. */
  async append(runId: string, messages: readonly ChatMessage[], call?: CallUsage): Promise<void> {
    await this.store.transaction(async (tx) => {
      const next = await nextSeq(tx, runId);
      for (const [offset, message] of messages.entries()) {
        await tx.query(`insert into agent_run_messages (run_id, seq, message) values ($1, $2, $3)`, [
          runId,
          next + offset,
          JSON.stringify(message),
        ]);
      }
      if (call) {
        await tx.query(
          `insert into agent_run_calls (run_id, step, model, prompt_tokens, completion_tokens, cost_usd) values ($1, $2, $3, $4, $5, $6)
           on conflict (run_id, step) do nothing`,
          [runId, call.step, call.model, call.usage.promptTokens, call.usage.completionTokens, call.costUsd],
        );
        await tx.query(
          `update agent_runs set steps = greatest(steps, $2), prompt_tokens = prompt_tokens + $3, completion_tokens = completion_tokens + $4,
             cost_usd = cost_usd + $5, updated_at = now() where id = $1`,
          [runId, call.step, call.usage.promptTokens, call.usage.completionTokens, call.costUsd],
        );
      }
    });
  }

  async finish(
    runId: string,
    status: RunStatus,
    answer: string | null,
    error?: Record<string, unknown>,
  ): Promise<void> {
    await this.store.query(
      `update agent_runs set status = $2, answer = $3, error = $4, updated_at = now() where id = $1`,
      [runId, status, answer, error ? JSON.stringify(error) : null],
    );
  }

  /** Usage summed over an agent's runs: per-agent accounting. */
  async agentUsage(agent: string): Promise<{ runs: number; usage: TokenUsage; costUsd: number }> {
    const { rows } = await this.store.query<{
      runs: number | string;
      prompt: number | string | null;
      completion: number | string | null;
      cost: number | null;
    }>(
      `select count(*) as runs, sum(prompt_tokens) as prompt, sum(completion_tokens) as completion, sum(cost_usd) as cost from agent_runs where agent = $1`,
      [agent],
    );
    const row = rows[0];
    const promptTokens = Number(row?.prompt ?? 0);
    const completionTokens = Number(row?.completion ?? 0);
    return {
      runs: Number(row?.runs ?? 0),
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      costUsd: Number(row?.cost ?? 0),
    };
  }
}

async function nextSeq(tx: SqlExecutor, runId: string): Promise<number> {
  const { rows } = await tx.query<{ next: number | string }>(
    `select coalesce(max(seq) + 1, 0) as next from agent_run_messages where run_id = $1`,
    [runId],
  );
  return Number(rows[0]?.next ?? 0);
}
