import { randomUUID } from 'node:crypto';

import type { ChatMessage } from '../models/index.js';
import type { SqlExecutor } from '../store/index.js';
import { toMessage, type MessageRow } from './rows.js';
import type { MessageRole, StoredMessage } from './types.js';

/** A message to persist; imported messages bring their own time and uninterpreted fields. */
export type AppendableMessage = ChatMessage & { createdAt?: Date; metadata?: Record<string, unknown> };

/** Persists messages to recall memory; every message of every agent is kept. */
export async function appendMessages(
  db: SqlExecutor,
  agentId: string,
  messages: readonly AppendableMessage[],
  at = new Date(),
): Promise<StoredMessage[]> {
  const stored: StoredMessage[] = [];
  for (const [offset, message] of messages.entries()) {
    // Messages appended together get increasing timestamps so ordering by time is also their order.
    const createdAt = message.createdAt ?? new Date(at.getTime() + offset);
    const { rows } = await db.query<MessageRow>(
      `insert into messages (id, agent_id, role, content, tool_calls, tool_call_id, name, created_at, metadata)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       returning id, agent_id, role, content, tool_calls, tool_call_id, name, metadata, created_at`,
      [
        `message-${randomUUID()}`,
        agentId,
        message.role,
        message.content,
        message.role === 'assistant' && message.toolCalls?.length ? JSON.stringify(message.toolCalls) : null,
        message.role === 'tool' ? message.toolCallId : null,
        message.role === 'tool' ? (message.name ?? null) : null,
        createdAt.toISOString(),
        message.metadata ? JSON.stringify(message.metadata) : null,
      ],
    );
    stored.push(toMessage(rows[0] as MessageRow));
  }
  if (stored.length > 0)
    await db.query(`update agents set message_count = message_count + $2 where id = $1`, [
      agentId,
      stored.length,
    ]);
  return stored;
}

/** Messages by id, in the order of `ids`. */
export async function messagesById(db: SqlExecutor, ids: readonly string[]): Promise<StoredMessage[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<MessageRow>(
    `select id, agent_id, role, content, tool_calls, tool_call_id, name, metadata, created_at from messages where id = any($1::text[])`,
    [ids],
  );
  const byId = new Map(rows.map((row) => [row.id, toMessage(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Counting every match of a broad query is as slow as the search; beyond this, totals mean "more than". */
export const RECALL_COUNT_CAP = 1_000;

export async function countMessages(db: SqlExecutor, agentId: string): Promise<number> {
  const { rows } = await db.query<{ count: string | number }>(
    `select message_count as count from agents where id = $1`,
    [agentId],
  );
  return Number(rows[0]?.count ?? 0);
}

export interface RecallQuery {
  query?: string | undefined;
  roles?: readonly MessageRole[] | undefined;
  start?: Date | undefined;
  end?: Date | undefined;
  limit: number;
  page: number;
}

export interface RecallPage {
  results: Array<StoredMessage & { rank?: number }>;
  /** Matching messages, counted up to RECALL_COUNT_CAP + 1 (more than the cap means "over 1,000"). */
  total: number;
  page: number;
  pages: number;
}

/**
 * Full-text search over an agent's messages (PostgreSQL text search, best match first, then newest), or
 * the newest messages when there is no query. Role and date filters always apply.
 */
export async function searchRecall(
  db: SqlExecutor,
  agentId: string,
  search: RecallQuery,
): Promise<RecallPage> {
  const params: unknown[] = [agentId];
  const where = ['m.agent_id = $1'];
  const text = search.query?.trim();
  if (text) {
    params.push(text);
    where.push(`m.tsv @@ websearch_to_tsquery('english', $${params.length})`);
  }
  if (search.roles && search.roles.length > 0) {
    params.push(search.roles);
    where.push(`m.role = any($${params.length}::text[])`);
  }
  if (search.start) {
    params.push(search.start.toISOString());
    where.push(`m.created_at >= $${params.length}`);
  }
  if (search.end) {
    params.push(search.end.toISOString());
    where.push(`m.created_at <= $${params.length}`);
  }
  const filter = where.join(' and ');
  const rank = text ? `ts_rank(m.tsv, websearch_to_tsquery('english', $2))` : '0';
  const { rows: counted } = await db.query<{ total: string | number }>(
    `select count(*) as total from (select 1 from messages m where ${filter} limit ${RECALL_COUNT_CAP + 1}) capped`,
    params,
  );
  const total = Number(counted[0]?.total ?? 0);
  const { rows } = await db.query<MessageRow & { rank: number }>(
    `select m.id, m.agent_id, m.role, m.content, m.tool_calls, m.tool_call_id, m.name, m.created_at, ${rank} as rank
     from messages m where ${filter}
     order by rank desc, m.created_at desc, m.seq desc
     limit ${search.limit} offset ${search.page * search.limit}`,
    params,
  );
  return {
    results: rows.map((row) => ({ ...toMessage(row), ...(text ? { rank: Number(row.rank) } : {}) })),
    total,
    page: search.page,
    pages: Math.max(1, Math.ceil(total / search.limit)),
  };
}
