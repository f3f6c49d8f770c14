import { randomUUID } from 'node:crypto';

import { ConflictError, NotFoundError, PermissionDeniedError, UserError } from '../errors/index.js';
import type { SqlExecutor } from '../store/index.js';
import { toBlock, type BlockRow } from './rows.js';
import type { MemoryBlock } from './types.js';

export type BlockAccess = 'r' | 'rw';

/** A block as one agent sees it: with that agent's access. */
export interface AgentBlock extends MemoryBlock {
  access: BlockAccess;
}

export interface NewBlock {
  label: string;
  value?: string;
  limit?: number;
  description?: string;
  readOnly?: boolean;
  metadata?: Record<string, unknown>;
}

export interface BlockEdit {
  id: string;
  version: number;
  agentId: string | null;
  oldValue: string | null;
  newValue: string;
  at: Date;
}

export const DEFAULT_BLOCK_LIMIT = 5_000;
const LABEL = /^[a-zA-Z0-9_][a-zA-Z0-9_./-]{0,63}$/;

export const DEFAULT_BLOCKS: readonly NewBlock[] = [
  {
    label: 'persona',
    description:
      'The persona block: stores details about your current persona, guiding how you behave and respond. Keep it up to date as you learn about yourself.',
  },
  {
    label: 'human',
    description:
      'The human block: stores key details about the person you are conversing with, so you can give a personalised, friend-like experience.',
  },
];

/** Rejects an edit that would push a block over its character limit, telling the model what to do instead. */
export function assertWithinLimit(block: Pick<MemoryBlock, 'label' | 'limit'>, value: string): void {
  if (value.length <= block.limit) return;
  throw new UserError(
    'invalid_input',
    `Edit failed: the "${block.label}" block would hold ${value.length} characters, over its ${block.limit}-character limit. ` +
      `Condense the block (memory_rethink) or move details to archival memory (archival_memory_insert), then try again.`,
    { data: { label: block.label, limit: block.limit, length: value.length } },
  );
}

export async function createBlock(db: SqlExecutor, input: NewBlock): Promise<MemoryBlock> {
  if (!LABEL.test(input.label)) {
    throw new UserError(
      'invalid_input',
      `Block label "${input.label}" must be 1-64 letters, digits, "_", ".", "/" or "-".`,
      {
        data: { field: 'label' },
      },
    );
  }
  const limit = input.limit ?? DEFAULT_BLOCK_LIMIT;
  const value = input.value ?? '';
  if (!Number.isInteger(limit) || limit <= 0)
    throw new UserError('invalid_input', `Block limit must be a positive integer, got ${limit}.`, {
      data: { field: 'limit' },
    });
  assertWithinLimit({ label: input.label, limit }, value);
  const { rows } = await db.query<BlockRow>(
    `insert into blocks (id, label, value, char_limit, description, read_only, metadata)
     values ($1, $2, $3, $4, $5, $6, $7) returning *`,
    [
      `block-${randomUUID()}`,
      input.label,
      value,
      limit,
      input.description ?? '',
      input.readOnly ?? false,
      JSON.stringify(input.metadata ?? {}),
    ],
  );
  return toBlock(rows[0] as BlockRow);
}

/** Gives an agent access to a block; labels must stay unique among one agent's blocks. */
export async function attachBlock(
  db: SqlExecutor,
  agentId: string,
  blockId: string,
  access: BlockAccess,
): Promise<void> {
  const { rows: clash } = await db.query<{ label: string }>(
    `select b.label from agent_blocks ab join blocks b on b.id = ab.block_id
     where ab.agent_id = $1 and ab.block_id <> $2 and b.label = (select label from blocks where id = $2)`,
    [agentId, blockId],
  );
  if (clash[0])
    throw new UserError(
      'invalid_input',
      `Agent ${agentId} already has a block labelled "${clash[0].label}".`,
      { data: { field: 'label' } },
    );
  await db.query(
    `insert into agent_blocks (agent_id, block_id, access, position)
     values ($1, $2, $3, coalesce((select max(position) + 1 from agent_blocks where agent_id = $1), 0))
     on conflict (agent_id, block_id) do update set access = excluded.access`,
    [agentId, blockId, access],
  );
}

export async function detachBlock(db: SqlExecutor, agentId: string, blockId: string): Promise<void> {
  await db.query(`delete from agent_blocks where agent_id = $1 and block_id = $2`, [agentId, blockId]);
}

export async function blocksOf(db: SqlExecutor, agentId: string): Promise<AgentBlock[]> {
  const { rows } = await db.query<BlockRow & { access: BlockAccess }>(
    `select b.*, ab.access from agent_blocks ab join blocks b on b.id = ab.block_id where ab.agent_id = $1 order by ab.position`,
    [agentId],
  );
  return rows.map((row) => ({ ...toBlock(row), access: row.access }));
}

export async function blockByLabel(db: SqlExecutor, agentId: string, label: string): Promise<AgentBlock> {
  const blocks = await blocksOf(db, agentId);
  const block = blocks.find((candidate) => candidate.label === label);
  if (!block) {
    const labels = blocks.map((candidate) => candidate.label).join(', ') || 'none';
    throw new NotFoundError(`No memory block labelled "${label}"; this agent's blocks are: ${labels}.`, {
      data: { label },
    });
  }
  return block;
}

export async function getBlock(db: SqlExecutor, blockId: string): Promise<MemoryBlock> {
  const { rows } = await db.query<BlockRow>(`select * from blocks where id = $1`, [blockId]);
  if (!rows[0]) throw new NotFoundError(`No memory block with id ${blockId}.`, { data: { blockId } });
  return toBlock(rows[0]);
}

export interface BlockWrite {
  blockId: string;
  value: string;
  /** The version the new value was computed from; the write fails with ConflictError if it moved. */
  expectedVersion: number;
  /** The agent writing, checked for `rw` access; null for an operator (CLI, API). */
  agentId: string | null;
}

/**
 * Compare-and-set write with history. Checks access and read-only, enforces the limit, and records
 * (who, when, old, new) in the same statement batch, which callers run inside one transaction.
 */
export async function writeBlock(db: SqlExecutor, write: BlockWrite): Promise<MemoryBlock> {
  const current = await getBlock(db, write.blockId);
  if (write.agentId !== null) {
    const { rows } = await db.query<{ access: BlockAccess }>(
      `select access from agent_blocks where agent_id = $1 and block_id = $2`,
      [write.agentId, write.blockId],
    );
    const access = rows[0]?.access;
    if (access !== 'rw') {
      throw new PermissionDeniedError(
        access === 'r'
          ? `Agent ${write.agentId} has read-only access to block "${current.label}".`
          : `Agent ${write.agentId} has no access to block "${current.label}".`,
        { data: { agentId: write.agentId, blockId: write.blockId, access: access ?? 'none' } },
      );
    }
    if (current.readOnly) {
      throw new PermissionDeniedError(`The "${current.label}" block is read-only and cannot be edited.`, {
        data: { agentId: write.agentId, blockId: write.blockId },
      });
    }
  }
  assertWithinLimit(current, write.value);
  const { rows } = await db.query<BlockRow>(
    `update blocks set value = $2, version = version + 1, updated_at = now() where id = $1 and version = $3 returning *`,
    [write.blockId, write.value, write.expectedVersion],
  );
  const updated = rows[0];
  if (!updated) {
    const latest = await getBlock(db, write.blockId);
    throw new ConflictError(
      `The "${latest.label}" block changed since version ${write.expectedVersion} (now version ${latest.version}); merge with its current value and write again.`,
      {
        data: {
          blockId: write.blockId,
          version: latest.version,
          current: latest.value,
          expectedVersion: write.expectedVersion,
        },
      },
    );
  }
  await db.query(
    `insert into block_history (block_id, version, agent_id, old_value, new_value) values ($1, $2, $3, $4, $5)`,
    [write.blockId, updated.version, write.agentId, current.value, write.value],
  );
  return toBlock(updated);
}

export async function blockHistory(db: SqlExecutor, blockId: string): Promise<BlockEdit[]> {
  const { rows } = await db.query<{
    id: string;
    version: number;
    agent_id: string | null;
    old_value: string | null;
    new_value: string;
    at: Date | string;
  }>(`select * from block_history where block_id = $1 order by version`, [blockId]);
  return rows.map((row) => ({
    id: String(row.id),
    version: row.version,
    agentId: row.agent_id,
    oldValue: row.old_value,
    newValue: row.new_value,
    at: new Date(row.at),
  }));
}

/** Reverts the latest edit by writing its old value back (itself a recorded, compare-and-set edit). */
export async function undoBlock(
  db: SqlExecutor,
  blockId: string,
  agentId: string | null,
): Promise<MemoryBlock> {
  const block = await getBlock(db, blockId);
  const { rows } = await db.query<{ old_value: string | null }>(
    `select old_value from block_history where block_id = $1 and version = $2`,
    [blockId, block.version],
  );
  const previous = rows[0];
  if (!previous || previous.old_value === null)
    throw new NotFoundError(`The "${block.label}" block has no edit to undo.`, { data: { blockId } });
  return writeBlock(db, { blockId, value: previous.old_value, expectedVersion: block.version, agentId });
}
