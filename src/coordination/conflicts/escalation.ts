import { randomUUID } from 'node:crypto';

import { ConflictError, NotFoundError, UserError } from '../../errors/index.js';
import type { Migration, Store } from '../../store/index.js';
import type { Conflict, Proposal } from './types.js';

/**
 * The coordination component's migrations. Other coordination subsystems that need tables add versions to
 * this one list (a second list under the same component would see version 1 as applied and skip its own).
 */
export const COORDINATION_MIGRATIONS: readonly Migration[] = [
  {
    component: 'coordination',
    version: 1,
    description: 'conflict resolution: the human escalation queue',
    async up(tx) {
      await tx.exec(`
        create table conflict_escalations (
          id text primary key, conflict jsonb not null, proposal jsonb not null,
          confidence double precision not null, urgency double precision not null,
          status text not null default 'pending' check (status in ('pending', 'decided')),
          decision jsonb, decided_by text,
          created_at timestamptz not null default now(), decided_at timestamptz);
        create index conflict_escalations_pending on conflict_escalations (status, urgency desc, created_at);`);
    },
  },
];

/** What a person decided: who prevails (one of the conflict's contenders), and why. */
export interface HumanDecision {
  winner: string;
  decidedBy: string;
  /** The order the others are served in; default the proposal's order without the winner. */
  queue?: string[];
  /** The value that stands, for goal and information conflicts. */
  value?: unknown;
  note?: string;
}

export interface Escalation {
  id: string;
  conflict: Conflict;
  proposal: Proposal;
  confidence: number;
  /** Higher first in `pending()`. */
  urgency: number;
  status: 'pending' | 'decided';
  decision?: HumanDecision;
  createdAt: Date;
  decidedAt?: Date;
}

export interface NewEscalation {
  conflict: Conflict;
  proposal: Proposal;
  confidence: number;
  urgency: number;
}

/** Conflicts waiting for a person. Pending ones come back most urgent first, then oldest first. */
export interface EscalationQueue {
  enqueue(entry: NewEscalation): Promise<Escalation>;
  get(id: string): Promise<Escalation>;
  pending(): Promise<Escalation[]>;
  /** Records the decision; NotFoundError for an unknown id, ConflictError when already decided. */
  decide(id: string, decision: HumanDecision): Promise<Escalation>;
}

function validate(entry: NewEscalation): void {
  if (!Number.isFinite(entry.urgency) || !Number.isFinite(entry.confidence))
    throw new UserError('invalid_input', 'An escalation needs a finite urgency and confidence.', {
      data: { urgency: entry.urgency, confidence: entry.confidence },
    });
}

const notFound = (id: string): NotFoundError =>
  new NotFoundError(`No escalated conflict ${id}.`, { data: { id } });
const alreadyDecided = (id: string): ConflictError =>
  new ConflictError(`Escalated conflict ${id} was already decided.`, { data: { id } });

const byUrgency = (a: Escalation, b: Escalation): number =>
  b.urgency - a.urgency || a.createdAt.getTime() - b.createdAt.getTime();

/** The in-process queue: for tests of callers, and simulations that need no persistence. */
export class MemoryEscalationQueue implements EscalationQueue {
  readonly #entries = new Map<string, Escalation>();

  enqueue(entry: NewEscalation): Promise<Escalation> {
    validate(entry);
    const escalation: Escalation = { id: randomUUID(), ...entry, status: 'pending', createdAt: new Date() };
    this.#entries.set(escalation.id, escalation);
    return Promise.resolve(structuredClone(escalation));
  }

  get(id: string): Promise<Escalation> {
    const entry = this.#entries.get(id);
    return entry ? Promise.resolve(structuredClone(entry)) : Promise.reject(notFound(id));
  }

  pending(): Promise<Escalation[]> {
    const out = [...this.#entries.values()].filter((entry) => entry.status === 'pending').sort(byUrgency);
    return Promise.resolve(out.map((entry) => structuredClone(entry)));
  }

  decide(id: string, decision: HumanDecision): Promise<Escalation> {
    const entry = this.#entries.get(id);
    if (!entry) return Promise.reject(notFound(id));
    if (entry.status === 'decided') return Promise.reject(alreadyDecided(id));
    Object.assign(entry, { status: 'decided', decision, decidedAt: new Date() });
    return Promise.resolve(structuredClone(entry));
  }
}

const COLUMNS = `id, conflict, proposal, confidence, urgency, status, decision, created_at as "createdAt",
  decided_at as "decidedAt"`;

interface Row {
  id: string;
  conflict: Conflict;
  proposal: Proposal;
  confidence: number;
  urgency: number;
  status: 'pending' | 'decided';
  decision: HumanDecision | null;
  createdAt: Date;
  decidedAt: Date | null;
}

function fromRow(row: Row): Escalation {
  const { decision, decidedAt, ...rest } = row;
  const out: Escalation = rest;
  if (decision) out.decision = decision;
  if (decidedAt) out.decidedAt = decidedAt;
  return out;
}

/** The queue in SQL on a Store (PGlite or PostgreSQL): pending escalations survive a restart. */
export class SqlEscalationQueue implements EscalationQueue {
  readonly #store: Store;

  private constructor(store: Store) {
    this.#store = store;
  }

  /** Runs the coordination migrations, then returns the queue. */
  static async open(store: Store): Promise<SqlEscalationQueue> {
    await store.migrate(COORDINATION_MIGRATIONS);
    return new SqlEscalationQueue(store);
  }

  async enqueue(entry: NewEscalation): Promise<Escalation> {
    validate(entry);
    const { rows } = await this.#store.query<Row>(
      `insert into conflict_escalations (id, conflict, proposal, confidence, urgency)
       values ($1, $2::jsonb, $3::jsonb, $4, $5) returning ${COLUMNS}`,
      [
        randomUUID(),
        JSON.stringify(entry.conflict),
        JSON.stringify(entry.proposal),
        entry.confidence,
        entry.urgency,
      ],
    );
    const [row] = rows;
    if (!row) throw new UserError('invalid_input', 'The escalation was not stored.');
    return fromRow(row);
  }

  async get(id: string): Promise<Escalation> {
    const { rows } = await this.#store.query<Row>(
      `select ${COLUMNS} from conflict_escalations where id = $1`,
      [id],
    );
    const [row] = rows;
    if (!row) throw notFound(id);
    return fromRow(row);
  }

  async pending(): Promise<Escalation[]> {
    const { rows } = await this.#store.query<Row>(
      `select ${COLUMNS} from conflict_escalations where status = 'pending' order by urgency desc, created_at, id`,
    );
    return rows.map(fromRow);
  }

  async decide(id: string, decision: HumanDecision): Promise<Escalation> {
    // Gated on status, so two people deciding at once cannot both win: the second gets ConflictError.
    const { rows } = await this.#store.query<Row>(
      `update conflict_escalations set status = 'decided', decision = $2::jsonb, decided_by = $3, decided_at = now()
       where id = $1 and status = 'pending' returning ${COLUMNS}`,
      [id, JSON.stringify(decision), decision.decidedBy],
    );
    const [row] = rows;
    if (row) return fromRow(row);
    await this.get(id); // NotFoundError when it does not exist
    throw alreadyDecided(id);
  }
}
