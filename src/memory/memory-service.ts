import { randomUUID } from 'node:crypto';

import { NotFoundError, UserError } from '../errors/index.js';
import type { SqlExecutor, Store } from '../store/index.js';
import {
  countPassages,
  ensureVectorIndex,
  insertPassage,
  passageTags,
  searchArchival,
  type ArchivalPage,
  type ArchivalQuery,
  type Embedder,
} from './archival.js';
import {
  attachBlock,
  blockHistory,
  blocksOf,
  createBlock,
  DEFAULT_BLOCKS,
  getBlock,
  undoBlock,
  writeBlock,
  type AgentBlock,
  type BlockAccess,
  type BlockEdit,
  type BlockWrite,
  type NewBlock,
} from './blocks.js';
import {
  appendMessages,
  countMessages,
  messagesById,
  searchRecall,
  type AppendableMessage,
  type RecallPage,
  type RecallQuery,
} from './recall.js';
import { compileSystemPrompt } from './render.js';
import { toAgent, toMessage, type AgentRow, type MessageRow } from './rows.js';
import { MEMORY_MIGRATIONS } from './schema.js';
import type { AgentRecord, MemoryBlock, Passage, StoredMessage } from './types.js';

export interface NewAgent {
  name: string;
  description?: string;
  instructions?: string;
  model?: string;
  contextWindow?: number;
  tools?: string[];
  toolRules?: Array<Record<string, unknown>>;
  tags?: string[];
  metadata?: Record<string, unknown>;
  /** Blocks created for this agent; default: empty `persona` and `human` blocks. */
  blocks?: NewBlock[];
  /** Existing blocks shared with this agent, with its access. */
  sharedBlocks?: Array<{ blockId: string; access: BlockAccess }>;
  sleeptime?: { frequency: number };
}

export const DEFAULT_INSTRUCTIONS =
  'You are a helpful agent with persistent memory. Your core memory blocks are always visible to you; keep them up to date with the memory tools. ' +
  'Older conversation is in recall memory (conversation_search) and long-term notes in archival memory (archival_memory_insert / archival_memory_search).';

/**
 * Persistent agent memory on a Store: agents, core memory blocks (shared, access-controlled, versioned,
 * with history), recall memory (every message) and archival memory (passages, hybrid search).
 */
export class MemoryService {
  readonly store: Store;
  readonly embedder: Embedder | undefined;

  private constructor(store: Store, embedder: Embedder | undefined) {
    this.store = store;
    this.embedder = embedder;
  }

  /** Applies the memory migrations and returns the service. */
  static async open(store: Store, options: { embedder?: Embedder | undefined } = {}): Promise<MemoryService> {
    await store.migrate(MEMORY_MIGRATIONS);
    return new MemoryService(store, options.embedder);
  }

  async createAgent(input: NewAgent, db: SqlExecutor | undefined = undefined): Promise<AgentRecord> {
    if (input.name.trim() === '')
      throw new UserError('invalid_input', 'An agent needs a name.', { data: { field: 'name' } });
    const work = async (tx: SqlExecutor): Promise<AgentRecord> => {
      const id = `agent-${randomUUID()}`;
      const { rows } = await tx.query<AgentRow>(
        `insert into agents (id, name, description, instructions, model, context_window, tools, tool_rules, tags, metadata, sleeptime_frequency)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning *`,
        [
          id,
          input.name.trim(),
          input.description ?? '',
          input.instructions ?? DEFAULT_INSTRUCTIONS,
          input.model ?? null,
          input.contextWindow ?? null,
          JSON.stringify(input.tools ?? []),
          JSON.stringify(input.toolRules ?? []),
          JSON.stringify(input.tags ?? []),
          JSON.stringify(input.metadata ?? {}),
          input.sleeptime?.frequency ?? null,
        ],
      );
      for (const block of input.blocks ?? DEFAULT_BLOCKS) {
        const created = await createBlock(tx, block);
        await attachBlock(tx, id, created.id, 'rw');
      }
      for (const shared of input.sharedBlocks ?? []) {
        await getBlock(tx, shared.blockId);
        await attachBlock(tx, id, shared.blockId, shared.access);
      }
      return toAgent(rows[0] as AgentRow);
    };
    return db ? work(db) : this.store.transaction(work);
  }

  /** An agent by id, or by name when the name is unique. */
  async getAgent(idOrName: string): Promise<AgentRecord> {
    const { rows } = await this.store.query<AgentRow>(
      `select * from agents where id = $1 or name = $1 order by created_at`,
      [idOrName],
    );
    const exact = rows.find((row) => row.id === idOrName);
    if (exact) return toAgent(exact);
    if (rows.length > 1) {
      throw new UserError(
        'invalid_input',
        `${rows.length} agents are named "${idOrName}"; use an id: ${rows.map((row) => row.id).join(', ')}.`,
      );
    }
    if (!rows[0])
      throw new NotFoundError(`No agent with id or name "${idOrName}". List them with: hydra agents list`, {
        data: { agent: idOrName },
      });
    return toAgent(rows[0]);
  }

  async listAgents(): Promise<AgentRecord[]> {
    const { rows } = await this.store.query<AgentRow>(`select * from agents order by created_at, id`);
    return rows.map(toAgent);
  }

  /** Deletes an agent, its messages and passages, and the blocks no other agent uses. */
  async deleteAgent(idOrName: string): Promise<AgentRecord> {
    const agent = await this.getAgent(idOrName);
    await this.store.transaction(async (tx) => {
      const { rows } = await tx.query<{ block_id: string }>(
        `select block_id from agent_blocks where agent_id = $1 and block_id not in (select block_id from agent_blocks where agent_id <> $1)`,
        [agent.id],
      );
      await tx.query(`delete from agents where id = $1`, [agent.id]);
      if (rows.length > 0)
        await tx.query(`delete from blocks where id = any($1::text[])`, [rows.map((row) => row.block_id)]);
    });
    return agent;
  }

  async setSummary(
    agentId: string,
    summary: string,
    inContextMessageIds: readonly string[],
    db: SqlExecutor = this.store,
  ): Promise<void> {
    await db.query(
      `update agents set summary = $2, in_context_message_ids = $3, updated_at = now() where id = $1`,
      [agentId, summary, JSON.stringify(inContextMessageIds)],
    );
  }

  // ---- core memory -------------------------------------------------------------------------------------

  blocks(agentId: string): Promise<AgentBlock[]> {
    return blocksOf(this.store, agentId);
  }

  createBlock(input: NewBlock): Promise<MemoryBlock> {
    return createBlock(this.store, input);
  }

  /** Shares a block with an agent (`r` read-only or `rw`). */
  shareBlock(blockId: string, agentId: string, access: BlockAccess): Promise<void> {
    return this.store.transaction(async (tx) => {
      await getBlock(tx, blockId);
      await attachBlock(tx, agentId, blockId, access);
    });
  }

  getBlock(blockId: string): Promise<MemoryBlock> {
    return getBlock(this.store, blockId);
  }

  /** A compare-and-set write; see `BlockWrite`. Fails with ConflictError (carrying the current value) when stale. */
  writeBlock(write: BlockWrite): Promise<MemoryBlock> {
    return this.store.transaction((tx) => writeBlock(tx, write));
  }

  blockHistory(blockId: string): Promise<BlockEdit[]> {
    return blockHistory(this.store, blockId);
  }

  undoBlock(blockId: string, agentId: string | null = null): Promise<MemoryBlock> {
    return this.store.transaction((tx) => undoBlock(tx, blockId, agentId));
  }

  // ---- recall ------------------------------------------------------------------------------------------

  /**
   * Persists messages to recall memory and appends them to the agent's context window, in one transaction
   * committed before this resolves.
   */
  appendMessages(
    agentId: string,
    messages: readonly AppendableMessage[],
    options: { inContext?: boolean; at?: Date } = {},
  ): Promise<StoredMessage[]> {
    return this.store.transaction(async (tx) => {
      const stored = await appendMessages(tx, agentId, messages, options.at);
      if (options.inContext ?? true) {
        await tx.query(
          `update agents set in_context_message_ids = in_context_message_ids || $2::jsonb, updated_at = now() where id = $1`,
          [agentId, JSON.stringify(stored.map((message) => message.id))],
        );
      }
      return stored;
    });
  }

  /** An agent's messages in the order they were written, from `offset`. */
  async listMessages(
    agentId: string,
    options: { offset?: number; limit?: number } = {},
  ): Promise<StoredMessage[]> {
    const { rows } = await this.store.query<MessageRow>(
      `select id, agent_id, role, content, tool_calls, tool_call_id, name, metadata, created_at from messages
       where agent_id = $1 order by created_at, seq offset $2 limit $3`,
      [agentId, options.offset ?? 0, options.limit ?? 1_000],
    );
    return rows.map(toMessage);
  }

  /** Merges keys into an agent's metadata. */
  async updateAgentMetadata(agentId: string, patch: Record<string, unknown>): Promise<void> {
    await this.store.query(
      `update agents set metadata = metadata || $2::jsonb, updated_at = now() where id = $1`,
      [agentId, JSON.stringify(patch)],
    );
  }

  recallCount(agentId: string): Promise<number> {
    return countMessages(this.store, agentId);
  }

  messages(ids: readonly string[]): Promise<StoredMessage[]> {
    return messagesById(this.store, ids);
  }

  searchRecall(agentId: string, query: RecallQuery): Promise<RecallPage> {
    return searchRecall(this.store, agentId, query);
  }

  // ---- archival ----------------------------------------------------------------------------------------

  async insertArchival(
    agentId: string,
    text: string,
    tags: readonly string[] = [],
    at?: Date,
  ): Promise<Passage> {
    const embedding = this.embedder ? (await this.embedder.embed([text]))[0] : undefined;
    if (embedding) await ensureVectorIndex(this.store, this.store.capabilities, embedding.length);
    return this.store.transaction((tx) =>
      insertPassage(tx, this.store.capabilities, agentId, text, tags, embedding, at),
    );
  }

  async searchArchival(agentId: string, query: ArchivalQuery): Promise<ArchivalPage> {
    const embedding =
      this.embedder && query.query.trim() ? (await this.embedder.embed([query.query]))[0] : undefined;
    const filtered = (query.tags?.length ?? 0) > 0 || query.start !== undefined || query.end !== undefined;
    if (embedding && filtered && this.store.capabilities.vector) {
      return this.store.transaction((tx) =>
        searchArchival(tx, this.store.capabilities, agentId, query, embedding),
      );
    }
    return searchArchival(this.store, this.store.capabilities, agentId, query, embedding);
  }

  // ---- context -----------------------------------------------------------------------------------------

  /** The compiled system prompt (instructions + core memory + memory facts) of an agent. */
  async systemPrompt(agent: AgentRecord, now = new Date()): Promise<string> {
    const [blocks, recallCount, archivalCount, archivalTags] = await Promise.all([
      blocksOf(this.store, agent.id),
      countMessages(this.store, agent.id),
      countPassages(this.store, agent.id),
      passageTags(this.store, agent.id),
    ]);
    return compileSystemPrompt(agent.instructions, blocks, { recallCount, archivalCount, archivalTags, now });
  }
}
