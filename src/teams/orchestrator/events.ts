import type { SpecialistTemplate } from './types.js';

/** Fields every event carries. */
interface EventBase {
  /** Position in the log, from 1; keeps counting when old events are dropped. */
  seq: number;
  at: Date;
  /** The orchestrator that logged it (a sub-orchestrator's name, or the root's). */
  orchestrator: string;
}

/** What the orchestrator logs: its routine work, and the reorganisations (the last three kinds). */
export type OrchestratorEvent = EventBase &
  (
    | {
        type: 'classified';
        taskId: string;
        goal: string;
        domains: string[];
        attempts: number;
        rejections: string[];
      }
    | { type: 'specialist-spawned'; domain: string; agent: string; memoryAgentId?: string }
    | { type: 'handoff'; taskId: string; from: string; to: string; domain: string }
    | { type: 'task-completed'; taskId: string; agents: string[] }
    /** Two agents (or the teams they were in) now form one team. */
    | {
        type: 'teams-merged';
        team: string;
        members: string[];
        domains: string[];
        /** The pair that crossed the threshold, their joint handoffs and each one's share of its interactions. */
        pair: [string, string];
        collaborations: number;
        shares: [number, number];
      }
    /** A sub-orchestrator took over a domain of the queue. */
    | {
        type: 'sub-orchestrator-spawned';
        name: string;
        domain: string;
        /** The queue's length when it crossed the threshold, and how many tasks moved. */
        queueLength: number;
        moved: number;
      }
    /** A recurring unknown pattern became a specialist type. */
    | {
        type: 'specialist-type-created';
        domain: string;
        signature: string;
        recurrences: number;
        template: SpecialistTemplate;
      }
  );

export type OrchestratorEventType = OrchestratorEvent['type'];

/** Distributes an event type over the union, so `Omit` keeps each member's own fields. */
type WithoutBase<Event> = Event extends unknown ? Omit<Event, keyof EventBase> : never;
export type OrchestratorEventInput = WithoutBase<OrchestratorEvent>;

export type OrchestratorEventListener = (event: OrchestratorEvent) => void;

/**
 * The orchestrator's in-memory event log: listeners hear each event as it happens, and the newest `capacity`
 * events are kept for reading back. Shared by an orchestrator and its sub-orchestrators, so one log tells the
 * whole organisation's story. Nothing is persisted: a listener that needs durability writes the events itself.
 */
export class OrchestratorEventLog {
  readonly #capacity: number;
  readonly #events: OrchestratorEvent[] = [];
  readonly #listeners = new Set<OrchestratorEventListener>();
  #seq = 0;

  constructor(options: { capacity?: number } = {}) {
    this.#capacity = Math.max(1, options.capacity ?? 10_000);
  }

  append(orchestrator: string, input: OrchestratorEventInput): OrchestratorEvent {
    const event = { ...input, seq: ++this.#seq, at: new Date(), orchestrator } as OrchestratorEvent;
    this.#events.push(event);
    // Dropping in batches keeps appends amortised O(1) instead of shifting the array every time.
    if (this.#events.length > this.#capacity * 1.25)
      this.#events.splice(0, this.#events.length - this.#capacity);
    for (const listener of this.#listeners) {
      // A failing listener must not break the orchestrator's work, nor stop the other listeners.
      try {
        listener(event);
      } catch {
        // ignored on purpose
      }
    }
    return event;
  }

  /** Calls `listener` on every later event; returns the function that stops it. */
  on(listener: OrchestratorEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Kept events, oldest first; only those of the given types when types are named. */
  list<Type extends OrchestratorEventType>(
    ...types: Type[]
  ): Array<Extract<OrchestratorEvent, { type: Type }>> {
    const kept = this.#events.slice(-this.#capacity);
    return (
      types.length === 0 ? kept : kept.filter((event) => (types as string[]).includes(event.type))
    ) as Array<Extract<OrchestratorEvent, { type: Type }>>;
  }
}
