import { UserError } from '../../errors/index.js';

/** Something an agent was seen doing: using a resource, or setting a target to a state. */
export interface ObservedAction {
  agentId: string;
  /** The resource it used, if any. */
  resource?: string;
  /** The target it set, and to which state: evidence of a goal. */
  target?: string;
  state?: string;
  taskId?: string;
  /** When it was seen (any monotonic unit: ms or simulation ticks). */
  at: number;
  /** Until when it holds the resource, if known. */
  until?: number;
}

/** What an agent is known to be limited to, e.g. by its tools or permissions. */
export interface AgentConstraints {
  /** The only resources it can use; a prediction never puts it elsewhere. */
  resources?: readonly string[];
}

/** The current task an agent announced or was seen starting. */
export interface KnownTask {
  taskId?: string;
  resource?: string;
  target?: string;
  state?: string;
  /** When it expects to release the resource. */
  until?: number;
}

/** One agent as seen by another. */
export interface AgentModel {
  agentId: string;
  /** target → the state it was seen pushing, with how many observations back it. */
  goals: Record<string, { state: string; evidence: number }>;
  /** resource → how often it was seen using it. */
  resourceUse: Record<string, number>;
  constraints: AgentConstraints;
  currentTask?: KnownTask;
}

/** An action the owner is about to take. */
export interface PlannedAction {
  resource?: string;
  target?: string;
  state?: string;
  /** When it would start, in the unit of `ObservedAction.at`. */
  at: number;
}

export interface PredictedConflict {
  kind: 'resource' | 'goal';
  with: string;
  reason: string;
  /** The modelled probability that the other agent gets in the way. */
  likelihood: number;
}

export type MindDecision =
  | { kind: 'proceed'; action: PlannedAction }
  | { kind: 'alternative'; action: PlannedAction; avoided: PredictedConflict[] }
  | { kind: 'coordinate'; action: PlannedAction; predicted: PredictedConflict[] };

export interface TheoryOfMindOptions {
  /** Predict a resource conflict when another idle agent wants the resource at least this likely. Default 0.5. */
  threshold?: number;
  /** Observations it takes before a goal counts (1: one seen action reveals a goal). Default 1. */
  goalEvidence?: number;
}

interface MutableModel {
  goals: Map<string, { state: string; evidence: number }>;
  resourceUse: Map<string, number>;
  constraints: AgentConstraints;
  currentTask?: KnownTask;
}

/**
 * One agent's models of the others: goals inferred from what they were seen doing, known constraints and
 * current tasks. Before acting, the owner checks a planned action against them and proceeds, switches to an
 * alternative no one is predicted to contest, or asks for coordination.
 */
export class TheoryOfMind {
  readonly ownerId: string;
  readonly #threshold: number;
  readonly #goalEvidence: number;
  readonly #models = new Map<string, MutableModel>();

  constructor(ownerId: string, options: TheoryOfMindOptions = {}) {
    this.ownerId = ownerId;
    this.#threshold = options.threshold ?? 0.5;
    this.#goalEvidence = options.goalEvidence ?? 1;
    if (!(this.#threshold > 0 && this.#threshold <= 1))
      throw new UserError('invalid_input', 'The theory-of-mind threshold must be in (0, 1].', {
        data: { threshold: this.#threshold },
      });
  }

  #model(agentId: string): MutableModel {
    let model = this.#models.get(agentId);
    if (!model) {
      model = { goals: new Map(), resourceUse: new Map(), constraints: {} };
      this.#models.set(agentId, model);
    }
    return model;
  }

  /** Updates the model of the acting agent; the owner's own actions are ignored. */
  observe(action: ObservedAction): void {
    if (action.agentId === this.ownerId) return;
    const model = this.#model(action.agentId);
    if (action.resource !== undefined) {
      model.resourceUse.set(action.resource, (model.resourceUse.get(action.resource) ?? 0) + 1);
    }
    if (action.target !== undefined && action.state !== undefined) {
      const known = model.goals.get(action.target);
      // A changed state is a changed goal: the newest evidence wins and the count restarts.
      model.goals.set(action.target, {
        state: action.state,
        evidence: known?.state === action.state ? known.evidence + 1 : 1,
      });
    }
    const task: KnownTask = {};
    if (action.taskId !== undefined) task.taskId = action.taskId;
    if (action.resource !== undefined) task.resource = action.resource;
    if (action.target !== undefined) task.target = action.target;
    if (action.state !== undefined) task.state = action.state;
    if (action.until !== undefined) task.until = action.until;
    model.currentTask = task;
  }

  setConstraints(agentId: string, constraints: AgentConstraints): void {
    this.#model(agentId).constraints = constraints;
  }

  /** Records another agent's announced current task (or clears it with `undefined`). */
  setCurrentTask(agentId: string, task: KnownTask | undefined): void {
    const model = this.#model(agentId);
    if (task) model.currentTask = task;
    else delete model.currentTask;
  }

  model(agentId: string): AgentModel | undefined {
    const model = this.#models.get(agentId);
    if (!model) return undefined;
    const out: AgentModel = {
      agentId,
      goals: Object.fromEntries(model.goals),
      resourceUse: Object.fromEntries(model.resourceUse),
      constraints: model.constraints,
    };
    if (model.currentTask) out.currentTask = model.currentTask;
    return out;
  }

  /** How likely `agentId` is to want `resource` next: its observed share of use, within its constraints. */
  #wants(model: MutableModel, resource: string): number {
    const allowed = model.constraints.resources;
    if (allowed && !allowed.includes(resource)) return 0;
    if (allowed?.length === 1) return 1;
    let total = 0;
    for (const [name, count] of model.resourceUse) if (!allowed || allowed.includes(name)) total += count;
    return total === 0 ? 0 : (model.resourceUse.get(resource) ?? 0) / total;
  }

  /** The conflicts the models predict for a planned action. */
  predict(action: PlannedAction): PredictedConflict[] {
    const out: PredictedConflict[] = [];
    for (const [agentId, model] of this.#models) {
      const task = model.currentTask;
      if (action.resource !== undefined) {
        const busy = task?.resource === action.resource && task.until !== undefined && task.until > action.at;
        const likelihood = busy
          ? 1
          : task?.until !== undefined && task.until > action.at
            ? 0
            : this.#wants(model, action.resource);
        if (likelihood >= this.#threshold)
          out.push({
            kind: 'resource',
            with: agentId,
            likelihood,
            reason: busy ? `holds ${action.resource}` : `is likely to want ${action.resource} next`,
          });
      }
      if (action.target !== undefined && action.state !== undefined) {
        const goal = model.goals.get(action.target);
        if (goal && goal.state !== action.state && goal.evidence >= this.#goalEvidence)
          out.push({
            kind: 'goal',
            with: agentId,
            likelihood: 1,
            reason: `wants ${action.target} = ${goal.state}`,
          });
      }
    }
    return out;
  }

  /**
   * Checks `planned` before acting: proceed when nothing is predicted; else the first alternative with no
   * predicted conflict; else ask for coordination on the planned action.
   */
  decide(planned: PlannedAction, alternatives: readonly PlannedAction[] = []): MindDecision {
    const predicted = this.predict(planned);
    if (predicted.length === 0) return { kind: 'proceed', action: planned };
    for (const alternative of alternatives) {
      if (this.predict(alternative).length === 0)
        return { kind: 'alternative', action: alternative, avoided: predicted };
    }
    return { kind: 'coordinate', action: planned, predicted };
  }
}
