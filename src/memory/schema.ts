import type { Migration } from '../store/index.js';

/** The memory subsystem's tables. Never edit an applied migration: add the next version. */
export const MEMORY_MIGRATIONS: readonly Migration[] = [
  {
    component: 'memory',
    version: 1,
    description: 'agents, core memory blocks with access and history, recall messages, archival passages',
    async up(tx, capabilities) {
      await tx.query(`
        create table agents (
          id text primary key,
          name text not null,
          description text not null default '',
          instructions text not null default '',
          model text,
          context_window integer,
          tools jsonb not null default '[]',
          tool_rules jsonb not null default '[]',
          tags jsonb not null default '[]',
          metadata jsonb not null default '{}',
          summary text not null default '',
          in_context_message_ids jsonb not null default '[]',
          sleeptime_frequency integer,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`);
      await tx.query(`create index agents_name on agents (name)`);
      await tx.query(`
        create table blocks (
          id text primary key,
          label text not null,
          value text not null,
          char_limit integer not null check (char_limit > 0),
          description text not null default '',
          read_only boolean not null default false,
          version integer not null default 1,
          metadata jsonb not null default '{}',
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`);
      await tx.query(`
        create table agent_blocks (
          agent_id text not null references agents (id) on delete cascade,
          block_id text not null references blocks (id) on delete cascade,
          access text not null check (access in ('r', 'rw')),
          position integer not null,
          primary key (agent_id, block_id)
        )`);
      await tx.query(`create index agent_blocks_block on agent_blocks (block_id)`);
      await tx.query(`
        create table block_history (
          id bigserial primary key,
          block_id text not null references blocks (id) on delete cascade,
          version integer not null,
          agent_id text,
          old_value text,
          new_value text not null,
          at timestamptz not null default now()
        )`);
      await tx.query(`create index block_history_block on block_history (block_id, version)`);
      await tx.query(`
        create table messages (
          id text primary key,
          agent_id text not null references agents (id) on delete cascade,
          seq bigserial,
          role text not null check (role in ('system', 'user', 'assistant', 'tool')),
          content text not null,
          tool_calls jsonb,
          tool_call_id text,
          name text,
          metadata jsonb,
          created_at timestamptz not null,
          tsv tsvector generated always as (to_tsvector('english', content)) stored
        )`);
      await tx.query(`create index messages_agent_time on messages (agent_id, created_at, seq)`);
      await tx.query(`create index messages_tsv on messages using gin (tsv)`);
      const embedding = capabilities.vector ? 'vector' : 'real[]';
      await tx.query(`
        create table passages (
          id text primary key,
          agent_id text not null references agents (id) on delete cascade,
          text text not null,
          tags text[] not null default '{}',
          created_at timestamptz not null default now(),
          embedding_dim integer,
          embedding ${embedding},
          tsv tsvector generated always as (to_tsvector('english', text)) stored
        )`);
      await tx.query(`create index passages_agent_time on passages (agent_id, created_at)`);
      await tx.query(`create index passages_tsv on passages using gin (tsv)`);
      await tx.query(`create index passages_tags on passages using gin (tags)`);
    },
  },
  {
    component: 'memory',
    version: 2,
    description: 'per-agent message and passage counts, archival tag list, recall index by role and time',
    async up(tx) {
      // Compiling a system prompt reads these before every model call; counting 100k rows each time cost 100+ ms.
      await tx.query(`alter table agents add column message_count bigint not null default 0`);
      await tx.query(`alter table agents add column passage_count bigint not null default 0`);
      await tx.query(
        `update agents a set message_count = (select count(*) from messages m where m.agent_id = a.id)`,
      );
      await tx.query(
        `update agents a set passage_count = (select count(*) from passages p where p.agent_id = a.id)`,
      );
      await tx.query(`
        create table agent_passage_tags (
          agent_id text not null references agents (id) on delete cascade,
          tag text not null,
          primary key (agent_id, tag)
        )`);
      await tx.query(
        `insert into agent_passage_tags select distinct agent_id, unnest(tags) from passages on conflict do nothing`,
      );
      await tx.query(`create index messages_agent_role_time on messages (agent_id, role, created_at, seq)`);
    },
  },
];
