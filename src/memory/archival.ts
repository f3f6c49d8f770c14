import { randomUUID } from 'node:crypto';

import type { SqlExecutor, StoreCapabilities } from '../store/index.js';
import { toVectorLiteral } from '../store/index.js';
import { toPassage, type PassageRow } from './rows.js';
import type { Passage } from './types.js';

/** Turns texts into vectors; the agent's embedding model through the kernel, or none (full text only). */
export interface Embedder {
  embed(texts: string[]): Promise<number[][]>;
}

export async function insertPassage(
  db: SqlExecutor,
  capabilities: StoreCapabilities,
  agentId: string,
  text: string,
  tags: readonly string[],
  embedding: number[] | undefined,
  at?: Date,
): Promise<Passage> {
  const vector = embedding ? (capabilities.vector ? toVectorLiteral(embedding) : embedding) : null;
  const { rows } = await db.query<PassageRow>(
    `insert into passages (id, agent_id, text, tags, created_at, embedding_dim, embedding)
     values ($1, $2, $3, $4, coalesce($5::timestamptz, now()), $6, $7) returning id, agent_id, text, tags, created_at`,
    [
      `passage-${randomUUID()}`,
      agentId,
      text,
      tags,
      at?.toISOString() ?? null,
      embedding?.length ?? null,
      vector,
    ],
  );
  await db.query(`update agents set passage_count = passage_count + 1 where id = $1`, [agentId]);
  if (tags.length > 0) {
    await db.query(
      `insert into agent_passage_tags (agent_id, tag) select $1, unnest($2::text[]) on conflict do nothing`,
      [agentId, tags],
    );
  }
  return toPassage(rows[0] as PassageRow);
}

export async function countPassages(db: SqlExecutor, agentId: string): Promise<number> {
  const { rows } = await db.query<{ count: string | number }>(
    `select passage_count as count from agents where id = $1`,
    [agentId],
  );
  return Number(rows[0]?.count ?? 0);
}

export async function passageTags(db: SqlExecutor, agentId: string): Promise<string[]> {
  const { rows } = await db.query<{ tag: string }>(
    `select tag from agent_passage_tags where agent_id = $1 order by tag`,
    [agentId],
  );
  return rows.map((row) => row.tag);
}

/** HNSW indexes are per dimension (the column is untyped); created on first use of a dimension. */
const indexedDimensions = new WeakMap<SqlExecutor, Set<number>>();

export async function ensureVectorIndex(
  db: SqlExecutor,
  capabilities: StoreCapabilities,
  dimensions: number,
): Promise<void> {
  if (!capabilities.vector || !Number.isInteger(dimensions) || dimensions <= 0) return;
  let known = indexedDimensions.get(db);
  if (!known) indexedDimensions.set(db, (known = new Set()));
  if (known.has(dimensions)) return;
  await db.query(
    `create index if not exists passages_embedding_hnsw_${dimensions} on passages
     using hnsw ((embedding::vector(${dimensions})) vector_cosine_ops) where embedding_dim = ${dimensions}`,
  );
  known.add(dimensions);
}

export interface ArchivalQuery {
  query: string;
  tags?: readonly string[] | undefined;
  tagMatch: 'any' | 'all';
  start?: Date | undefined;
  end?: Date | undefined;
  topK: number;
  page: number;
}

export type SearchMode = 'hybrid' | 'full-text';

export interface ArchivalPage {
  results: Array<Passage & { score: number; vectorRank?: number; textRank?: number }>;
  mode: SearchMode;
  page: number;
}

// Reciprocal-rank fusion constant from Cormack et al. (2009); robust without tuning.
const RRF_K = 60;

/**
 * Hybrid search: the best `candidates` passages by vector distance and by full-text rank are fused with
 * reciprocal-rank fusion, then paginated. With no embedding (no embedder configured) it is full text alone.
 */
export async function searchArchival(
  db: SqlExecutor,
  capabilities: StoreCapabilities,
  agentId: string,
  search: ArchivalQuery,
  queryEmbedding: number[] | undefined,
): Promise<ArchivalPage> {
  const params: unknown[] = [agentId];
  const where = ['agent_id = $1'];
  if (search.tags && search.tags.length > 0) {
    params.push(search.tags);
    where.push(
      search.tagMatch === 'all' ? `tags @> $${params.length}::text[]` : `tags && $${params.length}::text[]`,
    );
  }
  if (search.start) {
    params.push(search.start.toISOString());
    where.push(`created_at >= $${params.length}`);
  }
  if (search.end) {
    params.push(search.end.toISOString());
    where.push(`created_at <= $${params.length}`);
  }
  const candidates = (search.page + 1) * search.topK * 2;
  const filter = where.join(' and ');

  const textParams = [...params, search.query];
  const textRows = search.query.trim()
    ? (
        await db.query<PassageRow & { rank: number }>(
          `select id, agent_id, text, tags, created_at, ts_rank(tsv, q) as rank
           from passages, websearch_to_tsquery('english', $${textParams.length}) q
           where ${filter} and tsv @@ q order by rank desc, created_at desc limit ${candidates}`,
          textParams,
        )
      ).rows
    : [];

  let vectorRows: PassageRow[] = [];
  if (queryEmbedding && queryEmbedding.length > 0) {
    if (capabilities.vector && where.length > 1) {
      // An HNSW scan returns its nearest candidates before filters apply, so a selective tag or date filter
      // can leave fewer than top_k; pgvector's iterative scan keeps searching until enough pass (needs a
      // transaction: the caller runs filtered searches in one).
      await db.query(`set local hnsw.iterative_scan = strict_order`);
    }
    const dims = queryEmbedding.length;
    const vectorParams = [
      ...params,
      dims,
      capabilities.vector ? toVectorLiteral(queryEmbedding) : queryEmbedding,
    ];
    const distance = capabilities.vector
      ? `embedding::vector(${dims}) <=> $${vectorParams.length}::vector(${dims})`
      : `-hydra_cosine_similarity(embedding, $${vectorParams.length}::real[])`;
    vectorRows = (
      await db.query<PassageRow>(
        `select id, agent_id, text, tags, created_at from passages
         where ${filter} and embedding_dim = $${vectorParams.length - 1} order by ${distance} limit ${candidates}`,
        vectorParams,
      )
    ).rows;
  }

  const fused = new Map<string, { row: PassageRow; score: number; vectorRank?: number; textRank?: number }>();
  textRows.forEach((row, index) =>
    fused.set(row.id, { row, score: 1 / (RRF_K + index + 1), textRank: index + 1 }),
  );
  vectorRows.forEach((row, index) => {
    const entry = fused.get(row.id) ?? { row, score: 0 };
    entry.score += 1 / (RRF_K + index + 1);
    entry.vectorRank = index + 1;
    fused.set(row.id, entry);
  });
  const ranked = [...fused.values()].sort((a, b) => b.score - a.score);
  const pageRows = ranked.slice(search.page * search.topK, (search.page + 1) * search.topK);
  return {
    results: pageRows.map(({ row, score, vectorRank, textRank }) => ({
      ...toPassage(row),
      score,
      ...(vectorRank !== undefined ? { vectorRank } : {}),
      ...(textRank !== undefined ? { textRank } : {}),
    })),
    mode: queryEmbedding ? 'hybrid' : 'full-text',
    page: search.page,
  };
}
