import { randomUUID } from 'node:crypto';

import { UserError } from '../../errors/index.js';
import type {
  BeliefStatement,
  Conflict,
  GoalConflict,
  GoalDeclaration,
  InformationConflict,
  PriorityClaim,
  PriorityConflict,
  ResourceClaim,
  ResourceConflict,
} from './types.js';

/** Everything the detector looks at in one pass; every list is optional. */
export interface ConflictSnapshot {
  claims?: readonly ResourceClaim[];
  goals?: readonly GoalDeclaration[];
  beliefs?: readonly BeliefStatement[];
  priorities?: readonly PriorityClaim[];
}

export interface DetectorOptions {
  /** Conflict ids; default random UUIDs (a benchmark passes a counter to stay reproducible). */
  ids?: () => string;
  now?: () => number;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const parties = (items: ReadonlyArray<{ agentId: string }>): string[] =>
  [...new Set(items.map((item) => item.agentId))].sort();

/** JSON with sorted object keys, so `{a:1,b:2}` and `{b:2,a:1}` are the same belief value. */
export function canonicalValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalValue).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalValue(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function requireName(value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '')
    throw new UserError('invalid_input', `Conflict detection needs a non-empty ${field}.`, {
      data: { field },
    });
}

/**
 * Finds conflicts in a snapshot of claims, goals, beliefs and priorities. Stateless apart from the id source:
 * the same snapshot gives the same conflicts (same keys) every time.
 */
export class ConflictDetector {
  readonly #ids: () => string;
  readonly #now: () => number;

  constructor(options: DetectorOptions = {}) {
    this.#ids = options.ids ?? randomUUID;
    this.#now = options.now ?? Date.now;
  }

  detect(snapshot: ConflictSnapshot): Conflict[] {
    return [
      ...this.resources(snapshot.claims ?? []),
      ...this.goals(snapshot.goals ?? []),
      ...this.information(snapshot.beliefs ?? []),
      ...this.priorities(snapshot.priorities ?? []),
    ];
  }

  /** Two or more agents want one resource and at least one of them exclusively. */
  resources(claims: readonly ResourceClaim[]): ResourceConflict[] {
    for (const claim of claims) {
      requireName(claim.agentId, 'agentId');
      requireName(claim.resource, 'resource');
    }
    const out: ResourceConflict[] = [];
    for (const [resource, group] of groupBy(claims, (claim) => claim.resource)) {
      const who = parties(group);
      if (who.length < 2 || !group.some((claim) => claim.exclusive !== false)) continue;
      out.push({
        type: 'resource',
        id: this.#ids(),
        key: `resource:${resource}:${who.join(',')}`,
        parties: who,
        detectedAt: this.#now(),
        resource,
        claims: [...group],
      });
    }
    return out;
  }

  /** Two or more agents want one target in different states. */
  goals(goals: readonly GoalDeclaration[]): GoalConflict[] {
    for (const goal of goals) {
      requireName(goal.agentId, 'agentId');
      requireName(goal.target, 'target');
    }
    const out: GoalConflict[] = [];
    for (const [target, group] of groupBy(goals, (goal) => goal.target)) {
      const states = new Set(group.map((goal) => goal.desiredState));
      const who = parties(group);
      if (states.size < 2 || who.length < 2) continue;
      out.push({
        type: 'goal',
        id: this.#ids(),
        key: `goal:${target}:${who.join(',')}`,
        parties: who,
        detectedAt: this.#now(),
        target,
        goals: [...group],
      });
    }
    return out;
  }

  /** Shared memory holds different values for one subject and key. */
  information(beliefs: readonly BeliefStatement[]): InformationConflict[] {
    for (const belief of beliefs) {
      requireName(belief.agentId, 'agentId');
      requireName(belief.subject, 'subject');
      requireName(belief.key, 'key');
    }
    const out: InformationConflict[] = [];
    const groups = groupBy(beliefs, (belief) => JSON.stringify([belief.subject, belief.key]));
    for (const group of groups.values()) {
      const first = group[0];
      if (!first || new Set(group.map((belief) => canonicalValue(belief.value))).size < 2) continue;
      const who = parties(group);
      out.push({
        type: 'information',
        id: this.#ids(),
        key: `information:${first.subject}:${first.key}:${who.join(',')}`,
        parties: who,
        detectedAt: this.#now(),
        subject: first.subject,
        beliefKey: first.key,
        beliefs: [...group],
      });
    }
    return out;
  }

  /** Two or more tasks share the highest priority claimed in one scope. */
  priorities(claims: readonly PriorityClaim[]): PriorityConflict[] {
    for (const claim of claims) {
      requireName(claim.scope, 'scope');
      requireName(claim.taskId, 'taskId');
      if (!Number.isFinite(claim.priority))
        throw new UserError('invalid_input', 'A priority must be a finite number.', { data: { ...claim } });
    }
    const out: PriorityConflict[] = [];
    for (const [scope, group] of groupBy(claims, (claim) => claim.scope)) {
      const top = Math.max(...group.map((claim) => claim.priority));
      const atTop = group.filter((claim) => claim.priority === top);
      if (new Set(atTop.map((claim) => claim.taskId)).size < 2) continue;
      const tasks = atTop.map((claim) => claim.taskId).sort();
      out.push({
        type: 'priority',
        id: this.#ids(),
        key: `priority:${scope}:${tasks.join(',')}`,
        parties: parties(atTop),
        detectedAt: this.#now(),
        scope,
        priority: top,
        claims: atTop,
      });
    }
    return out;
  }
}
