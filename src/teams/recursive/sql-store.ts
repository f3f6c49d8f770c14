import { UserError } from '../../errors/index.js';
import { StoreError, type Migration, type Store } from '../../store/index.js';
import {
  badTtl,
  leaseLost,
  nodeExists,
  nodeNotFound,
  treeExists,
  treeNotFound,
  validTtl,
} from './memory-store.js';
import type {
  NewTaskNode,
  TaskNodePatch,
  TaskNodeRecord,
  TaskTree,
  TaskTreeRecord,
  TaskTreeStatus,
  TaskTreeStore,
  TaskTreeSummary,
  TaskTreeWriteOptions,
} from './types.js';

export const TASK_TREE_MIGRATIONS: readonly Migration[] = [
  {
    component: 'teams',
    version: 1,
    description: 'recursive teams: task trees and their nodes',
    async up(tx) {
      await tx.exec(`
        create table task_trees (
          id text primary key, goal text not null,
          status text not null check (status in ('running', 'done', 'failed')),
          result text, error jsonb, limits jsonb not null,
          created_at timestamptz not null default now(), updated_at timestamptz not null default now(),
          finished_at timestamptz);
        create index task_trees_created on task_trees (created_at);
        create table task_nodes (
          tree_id text not null references task_trees (id) on delete cascade, id text not null,
          parent_id text, seq integer not null, depth integer not null, goal text not null,
          kind text check (kind in ('atomic', 'composite')),
          status text not null check (status in ('pending', 'running', 'done', 'failed', 'skipped')),
          depends_on jsonb not null, role text, result text, error jsonb,
          attempts integer not null default 0, tokens jsonb not null, cost_usd double precision not null default 0,
          started_at timestamptz, finished_at timestamptz,
          primary key (tree_id, id));`);
    },
  },
  {
    component: 'teams',
    version: 2,
    description: 'recursive teams: a lease per task tree (one process runs it at a time)',
    async up(tx) {
      await tx.exec(
        `alter table task_trees add column lease_owner text, add column lease_expires timestamptz;`,
      );
    },
  },
];

const TREE = `id, goal, status, result, error, limits, created_at as "createdAt", updated_at as "updatedAt",
  finished_at as "finishedAt"`;
const NODE = `tree_id as "treeId", id, parent_id as "parentId", seq, depth, goal, kind, status,
  depends_on as "dependsOn", role, result, error, attempts, tokens, cost_usd as "costUsd",
  started_at as "startedAt", finished_at as "finishedAt"`;
const ZERO_TOKENS = `'{"promptTokens":0,"completionTokens":0,"totalTokens":0}'::jsonb`;
const NEW_NODES = (param: string): string =>
  `jsonb_to_recordset(${param}::jsonb) as x(id text, "parentId" text, seq int, depth int, goal text, "dependsOn" jsonb)`;
const INSERT_NODES = `insert into task_nodes (tree_id, id, parent_id, seq, depth, goal, status, depends_on, tokens)`;
/**
 * The tree's row, touched (updated_at) only if `node` exists and, when the owner parameter is not null, that
 * owner holds the lease. Every node write starts with it: the row lock orders the write against a takeover,
 * so a write either commits before another process takes the lease (which then reads it) or is refused.
 */
const FENCE = (owner: string, node: string): string =>
  `update task_trees set updated_at = now()
   where id = $1 and (${owner}::text is null or lease_owner = ${owner}::text)
     and exists (select 1 from task_nodes where tree_id = $1 and id = ${node}) returning id`;
const LEASE_EXPIRES = (ttl: string): string => `now() + ${ttl}::double precision * interval '1 millisecond'`;

/**
 * `column = patch value` for every field of a TaskNodePatch present in the jsonb parameter, so one statement
 * applies any transition (absent keys keep their column).
 */
function patchSet(param: string): string {
  const fields: Array<[column: string, key: keyof TaskNodePatch, value: string]> = [
    ['kind', 'kind', `${param}->>'kind'`],
    ['status', 'status', `${param}->>'status'`],
    ['role', 'role', `${param}->>'role'`],
    ['result', 'result', `${param}->>'result'`],
    ['error', 'error', `nullif(${param}->'error', 'null'::jsonb)`],
    ['attempts', 'attempts', `(${param}->>'attempts')::int`],
    ['tokens', 'tokens', `${param}->'tokens'`],
    ['cost_usd', 'costUsd', `(${param}->>'costUsd')::double precision`],
    ['started_at', 'startedAt', `(${param}->>'startedAt')::timestamptz`],
    ['finished_at', 'finishedAt', `(${param}->>'finishedAt')::timestamptz`],
  ];
  return fields
    .map(
      ([column, key, value]) =>
        `${column} = case when ${param}::jsonb ? '${key}' then ${value} else ${column} end`,
    )
    .join(', ');
}

function json(value: unknown, what: string): string {
  try {
    return JSON.stringify(value);
  } catch (cause) {
    throw new UserError(
      'invalid_input',
      `The task tree's ${what} cannot be stored as JSON: ${String(cause)}`,
      {
        cause,
      },
    );
  }
}

/** Rethrows a unique violation as the typed error `as` makes of it; other errors as they are. */
const onDuplicate =
  (as: (cause: unknown) => Error) =>
  (error: unknown): never => {
    throw StoreError.is(error) && error.sqlState === '23505' ? as(error) : error;
  };

/**
 * Task trees on the Store (PGlite or PostgreSQL). Every write is ONE statement (data-modifying CTEs where it
 * touches several rows or tables), so each transition is atomic and durable once it returns.
 */
export class SqlTaskTreeStore implements TaskTreeStore {
  readonly store: Store;

  private constructor(store: Store) {
    this.store = store;
  }

  static async open(store: Store): Promise<SqlTaskTreeStore> {
    await store.migrate(TASK_TREE_MIGRATIONS);
    return new SqlTaskTreeStore(store);
  }

  async createTree(tree: Parameters<TaskTreeStore['createTree']>[0], root: NewTaskNode): Promise<void> {
    const { lease } = tree;
    if (lease && !validTtl(lease.ttlMs)) throw badTtl(tree.id, lease.ttlMs);
    await this.store
      .query(
        `with t as (
           insert into task_trees (id, goal, status, limits, lease_owner, lease_expires)
           values ($1, $2, 'running', $3::jsonb, $5, ${LEASE_EXPIRES('$6')}) returning id
         )
         ${INSERT_NODES}
         select t.id, x.id, x."parentId", x.seq, x.depth, x.goal, 'pending', x."dependsOn", ${ZERO_TOKENS}
         from t, ${NEW_NODES('$4')}`,
        [
          tree.id,
          tree.goal,
          json(tree.limits, 'limits'),
          json([root], 'root node'),
          lease?.owner ?? null,
          lease?.ttlMs ?? null,
        ],
      )
      .catch(onDuplicate((cause) => treeExists(tree.id, cause)));
  }

  async getTree(treeId: string): Promise<TaskTree | undefined> {
    const { rows: trees } = await this.store.query<TaskTreeRecord>(
      `select ${TREE} from task_trees where id = $1`,
      [treeId],
    );
    const [tree] = trees;
    if (!tree) return undefined;
    // Ordered by depth then position, so parents come before their children and siblings in plan order.
    const { rows: nodes } = await this.store.query<TaskNodeRecord>(
      `select ${NODE} from task_nodes where tree_id = $1 order by depth, parent_id collate "C", seq`,
      [treeId],
    );
    return { tree, nodes };
  }

  async listTrees(filter: { status?: TaskTreeStatus; limit?: number } = {}): Promise<TaskTreeSummary[]> {
    const { rows } = await this.store.query<TaskTreeRecord & { progress: TaskTreeSummary['progress'] }>(
      `select ${TREE}, (
         select jsonb_build_object('total', count(*), 'done', count(*) filter (where n.status = 'done'),
           'failed', count(*) filter (where n.status = 'failed'),
           'running', count(*) filter (where n.status = 'running'))
         from task_nodes n where n.tree_id = t.id) as progress
       from task_trees t where ($1::text is null or status = $1)
       order by created_at desc, id desc limit $2`,
      [filter.status ?? null, filter.limit ?? 50],
    );
    return rows;
  }

  async updateNode(
    treeId: string,
    nodeId: string,
    patch: TaskNodePatch,
    options: TaskTreeWriteOptions = {},
  ): Promise<void> {
    const { rows } = await this.store.query(
      `with t as (${FENCE('$4', '$2')})
       update task_nodes set ${patchSet('$3')} where tree_id = $1 and id = $2 and exists (select 1 from t)
       returning tree_id`,
      [treeId, nodeId, json(patch, 'node'), options.owner ?? null],
    );
    if (rows.length === 0) throw await this.#refused(treeId, nodeId, options.owner);
  }

  async addChildren(
    treeId: string,
    parentId: string,
    children: readonly NewTaskNode[],
    parentPatch: TaskNodePatch,
    options: TaskTreeWriteOptions = {},
  ): Promise<void> {
    const { rows } = await this.store
      .query(
        `with t as (${FENCE('$5', '$2')}), p as (
           update task_nodes set ${patchSet('$4')}
           where tree_id = $1 and id = $2 and exists (select 1 from t) returning tree_id
         ), c as (
           ${INSERT_NODES}
           select p.tree_id, x.id, x."parentId", x.seq, x.depth, x.goal, 'pending', x."dependsOn", ${ZERO_TOKENS}
           from p, ${NEW_NODES('$3')}
         )
         select 1 from p`,
        [treeId, parentId, json(children, 'plan'), json(parentPatch, 'node'), options.owner ?? null],
      )
      .catch(onDuplicate((cause) => nodeExists(treeId, children.map((child) => child.id).join(', '), cause)));
    if (rows.length === 0) throw await this.#refused(treeId, parentId, options.owner);
  }

  async finishTree(
    treeId: string,
    outcome: Parameters<TaskTreeStore['finishTree']>[1],
    options: TaskTreeWriteOptions = {},
  ): Promise<void> {
    const owner = options.owner ?? null;
    const { rowCount } = await this.store.query(
      `update task_trees set status = $2, result = $3, error = $4::jsonb, updated_at = now(), finished_at = now(),
         lease_owner = null, lease_expires = null
       where id = $1 and ($5::text is null or lease_owner = $5::text)`,
      [
        treeId,
        outcome.status,
        outcome.result,
        outcome.error === null ? null : json(outcome.error, 'error'),
        owner,
      ],
    );
    if (rowCount > 0) return;
    if (owner !== null && (await this.#treeExists(treeId))) throw leaseLost(treeId, owner);
    throw treeNotFound(treeId);
  }

  /** The database's clock decides expiry, so processes whose clocks disagree still agree on leases. */
  async acquireLease(treeId: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!validTtl(ttlMs)) throw badTtl(treeId, ttlMs);
    const { rowCount } = await this.store.query(
      `update task_trees set lease_owner = $2, lease_expires = ${LEASE_EXPIRES('$3')}
       where id = $1 and (lease_owner is null or lease_owner = $2 or lease_expires <= now())`,
      [treeId, owner, ttlMs],
    );
    if (rowCount > 0) return true;
    if (!(await this.#treeExists(treeId))) throw treeNotFound(treeId);
    return false;
  }

  async releaseLease(treeId: string, owner: string): Promise<void> {
    await this.store.query(
      `update task_trees set lease_owner = null, lease_expires = null where id = $1 and lease_owner = $2`,
      [treeId, owner],
    );
  }

  async #treeExists(treeId: string): Promise<boolean> {
    const { rows } = await this.store.query(`select 1 from task_trees where id = $1`, [treeId]);
    return rows.length > 0;
  }

  /** Why a fenced node write changed nothing: an unknown node, or (with an owner) a lease it lost. */
  async #refused(treeId: string, nodeId: string, owner: string | undefined): Promise<Error> {
    if (owner === undefined) return nodeNotFound(treeId, nodeId);
    const { rows } = await this.store.query(`select 1 from task_nodes where tree_id = $1 and id = $2`, [
      treeId,
      nodeId,
    ]);
    return rows.length > 0 ? leaseLost(treeId, owner) : nodeNotFound(treeId, nodeId);
  }
}
