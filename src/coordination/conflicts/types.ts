/** The four kinds of conflict the resolver knows. */
export type ConflictType = 'resource' | 'goal' | 'information' | 'priority';

export const CONFLICT_TYPES: readonly ConflictType[] = ['resource', 'goal', 'information', 'priority'];

/** An agent wants a resource (a tool, a file, a GPU slot) for one of its tasks. */
export interface ResourceClaim {
  agentId: string;
  /** Any stable name, e.g. `tool:browser`, `file:/src/a.ts`, `gpu:0`. */
  resource: string;
  /** Only exclusive claims conflict; a shared read does not. Default true. */
  exclusive?: boolean;
  taskId?: string;
}

/** A goal an agent declared: it wants `target` to end up in `desiredState`. */
export interface GoalDeclaration {
  agentId: string;
  target: string;
  desiredState: string;
  /** Higher wins when no manager arbitrates. Default 0. */
  priority?: number;
  goalId?: string;
}

/** A belief an agent wrote to shared memory: `subject.key = value`. */
export interface BeliefStatement {
  agentId: string;
  subject: string;
  key: string;
  value: unknown;
  /** How sure the writer is, in [0, 1]. Default 0.5. */
  confidence?: number;
}

/** A task claiming a priority level within a scope (an agent's attention, a resource's queue). */
export interface PriorityClaim {
  agentId: string;
  taskId: string;
  /** What the priority is for: the agent that runs the tasks, or the resource they queue on. */
  scope: string;
  priority: number;
}

interface ConflictBase {
  id: string;
  /** Deterministic identity: the same clash detected twice has the same key (ids differ). */
  key: string;
  /** The agents involved, sorted. */
  parties: string[];
  detectedAt: number;
}

export interface ResourceConflict extends ConflictBase {
  type: 'resource';
  resource: string;
  claims: ResourceClaim[];
}

export interface GoalConflict extends ConflictBase {
  type: 'goal';
  target: string;
  goals: GoalDeclaration[];
}

export interface InformationConflict extends ConflictBase {
  type: 'information';
  subject: string;
  beliefKey: string;
  beliefs: BeliefStatement[];
}

export interface PriorityConflict extends ConflictBase {
  type: 'priority';
  scope: string;
  priority: number;
  claims: PriorityClaim[];
}

export type Conflict = ResourceConflict | GoalConflict | InformationConflict | PriorityConflict;

/** The utility inputs of a bid: value × quality × urgency − delayPenalty. */
export interface BidInput {
  /** What finishing the task is worth, >= 0. */
  value: number;
  /** Expected quality of the result with this resource, in [0, 1]. */
  quality: number;
  /** Deadline pressure, >= 0 (1 = normal). */
  urgency: number;
  /** The cost of the delay this use imposes (e.g. expected hold time × others' waiting cost), >= 0. */
  delayPenalty?: number;
}

/** A contender in a resolution: its bid, and its task's scores against the manager's objectives. */
export interface Contender {
  agentId: string;
  taskId?: string;
  bid?: BidInput;
  /** Criterion name → score in [0, 1], for hierarchical arbitration. */
  criteria?: Record<string, number>;
}

export type Strategy = 'negotiation' | 'arbitration' | 'evidence' | 'human';

/** What a strategy proposes: who prevails, and the order the others queue in. */
export interface Proposal {
  strategy: Exclude<Strategy, 'human'>;
  winner: string;
  /** The losers in the order they get the resource/goal next. */
  queue: string[];
  /** Per agent: the score the strategy ranked by (effective bid, weighted score, belief weight). */
  scores: Record<string, number>;
  /** In [0, 1]: how sure the strategy is that `winner` is the right call. */
  confidence: number;
  /** The winning value for goal and information conflicts (the state or belief value that stands). */
  value?: unknown;
}

export interface Resolution {
  conflictId: string;
  type: ConflictType;
  /** `human` when a person decided an escalated conflict. */
  decidedBy: 'resolver' | 'human';
  strategy: Strategy;
  winner: string;
  queue: string[];
  confidence: number;
  value?: unknown;
  /** Priority boosts granted to the losers of a negotiation (added to their next bid). */
  compensation: Record<string, number>;
  resolvedAt: number;
}
