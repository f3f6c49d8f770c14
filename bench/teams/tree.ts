/**
 * The benchmark's task tree, known in advance: a root goal that plans 5 composite phases (a DAG), each of
 * which plans 7 atomic steps (a DAG drawn from a seeded PRNG). 40 subtasks in all: every node below the root
 * (5 composites + 35 leaves). Also the simulated model's script for it (fixed reply lengths per role, so
 * every call's duration is known), and the schedule arithmetic: the critical path and the widest level.
 */
import type { SimModelOptions, SimRule } from '../../src/testing/index.js';
import { seededRandom } from '../../src/testing/index.js';

export type Phase = 'atomize' | 'plan' | 'execute' | 'aggregate';
export const PHASES: readonly Phase[] = ['atomize', 'plan', 'execute', 'aggregate'];

/** Completion tokens of each role's reply; with `decodeMsPerToken` they fix each call's model time. */
export const REPLY_TOKENS: Record<Phase, number> = { atomize: 40, plan: 80, execute: 200, aggregate: 120 };

export const ROOT_GOAL = 'Ship the hydra field guide';

/** The roles' system prompts name them (src/teams/recursive/roles.ts). */
export const ROLE_MATCH: Record<Phase, string> = {
  atomize: 'atomizer of a recursive task team',
  plan: 'planner of a recursive task team',
  execute: 'executor of a recursive task team',
  aggregate: 'aggregator of a recursive task team',
};

export interface SubtaskSpec {
  /** The plan's id (the last part of the node id). */
  id: string;
  goal: string;
  dependsOn: string[];
}

export interface CompositeSpec extends SubtaskSpec {
  leaves: SubtaskSpec[];
}

export interface TreeSpec {
  seed: number;
  goal: string;
  composites: CompositeSpec[];
}

/** The phases' DAG: a first, then b, c and e after it, d after b and c. */
const PHASE_DAG: Array<[string, string[]]> = [
  ['a', []],
  ['b', ['a']],
  ['c', ['a']],
  ['d', ['b', 'c']],
  ['e', ['a']],
];
export const LEAVES_PER_PHASE = 7;
const TOPICS = ['survey', 'anatomy', 'habitats', 'myths', 'illustrations'];
const VERBS = ['collect', 'check', 'outline', 'draft', 'cite', 'review', 'polish'];

const prng = seededRandom; // mulberry32: the same tree for the same seed

/** Each step depends on each earlier step of its phase with probability 0.3, on at most two of them. */
export function buildTree(seed: number): TreeSpec {
  const random = prng(seed);
  const composites = PHASE_DAG.map(([id, dependsOn], index): CompositeSpec => {
    const leaves: SubtaskSpec[] = [];
    for (let step = 1; step <= LEAVES_PER_PHASE; step++) {
      const earlier = leaves.map((leaf) => leaf.id).filter(() => random() < 0.3);
      leaves.push({
        id: `${id}${step}`,
        goal: `step ${id}${step}: ${VERBS[step - 1] ?? 'do'} part ${step} of phase ${id}`,
        dependsOn: earlier.slice(-2),
      });
    }
    return { id, goal: `phase ${id}: the ${TOPICS[index] ?? id} chapter`, dependsOn, leaves };
  });
  return { seed, goal: ROOT_GOAL, composites };
}

export const subtaskCount = (tree: TreeSpec): number =>
  tree.composites.reduce((sum, composite) => sum + 1 + composite.leaves.length, 0);

/** Model calls of one run: atomize + plan + aggregate per composite (root included), atomize + execute per leaf. */
export function callCounts(tree: TreeSpec): Record<Phase, number> {
  const leaves = tree.composites.reduce((sum, composite) => sum + composite.leaves.length, 0);
  const composites = tree.composites.length + 1;
  return { atomize: composites + leaves, plan: composites, execute: leaves, aggregate: composites };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const reply = (phase: Phase, text: string): SimRule['reply'] => ({
  text,
  completionTokens: REPLY_TOKENS[phase],
});
const planText = (subtasks: SubtaskSpec[]): string =>
  JSON.stringify({
    subtasks: subtasks.map(({ id, goal, dependsOn }) => ({ id, goal, dependsOn })),
  });

/** The script: the root and every phase are composite, steps atomic; plans as in `tree`; fixed lengths. */
export function simOptions(tree: TreeSpec, slots: number, decodeMsPerToken: number): SimModelOptions {
  const composite = { text: JSON.stringify({ atomic: false, reason: 'several parts' }) };
  const rules: SimRule[] = [
    {
      match: { system: ROLE_MATCH.atomize, lastUser: `^Goal: (${escape(tree.goal)}|phase )` },
      reply: reply('atomize', composite.text),
    },
    {
      match: { system: ROLE_MATCH.atomize },
      reply: reply('atomize', JSON.stringify({ atomic: true, reason: 'one step' })),
    },
    {
      match: { system: ROLE_MATCH.plan, lastUser: `^Goal: ${escape(tree.goal)}` },
      reply: reply('plan', planText(tree.composites)),
    },
    ...tree.composites.map((phase): SimRule => ({
      match: { system: ROLE_MATCH.plan, lastUser: `^Goal: ${escape(phase.goal)}` },
      reply: reply('plan', planText(phase.leaves)),
    })),
    { match: { system: ROLE_MATCH.execute }, reply: reply('execute', 'step done') },
    { match: { system: ROLE_MATCH.aggregate }, reply: reply('aggregate', 'merged') },
  ];
  return {
    seed: tree.seed,
    slots,
    contextWindow: 32_768,
    latency: { decodeMsPerToken, firstByteMs: 0, prefillMsPerToken: 0 },
    rules,
  };
}

/** One model call of the ideal schedule. */
export interface IdealCall {
  node: string;
  phase: Phase;
  start: number;
  end: number;
}

export interface Schedule {
  /** Every call, at the earliest time the engine's rules allow it with unlimited slots. */
  calls: IdealCall[];
  makespan: number;
  /** The calls of the longest dependency chain, in order. */
  criticalPath: IdealCall[];
  /** Most calls running at once. */
  peakConcurrency: number;
}

/**
 * The ideal schedule with unlimited slots and call durations `ms[phase]`, following the engine's rules: a node
 * starts when its dependencies have ended; it is atomized, then an atomic node executes, a composite node
 * plans, runs its children, and aggregates once they have all ended.
 */
export function idealSchedule(tree: TreeSpec, ms: Record<Phase, number>): Schedule {
  const calls: IdealCall[] = [];
  // Each call remembers the call it waited for, to walk the critical path back from the last one.
  const before = new Map<IdealCall, IdealCall | undefined>();
  const call = (node: string, phase: Phase, after: IdealCall | undefined, start: number): IdealCall => {
    const made = { node, phase, start, end: start + ms[phase] };
    calls.push(made);
    before.set(made, after);
    return made;
  };
  type Finished = IdealCall | undefined;
  const latest = (ends: Finished[]): Finished =>
    ends.reduce<Finished>((best, end) => (end && (!best || end.end > best.end) ? end : best), undefined);
  /** Runs sibling subtasks in dependency order; returns each one's last call. */
  const siblings = <S extends SubtaskSpec>(
    parent: string,
    specs: S[],
    after: IdealCall,
    run: (spec: S, node: string, after: IdealCall) => IdealCall,
  ): IdealCall[] => {
    const done = new Map<string, IdealCall>();
    for (const spec of specs) {
      // Plans are in dependency order (dependencies come first), as buildTree makes them.
      const dependency = latest(spec.dependsOn.map((id) => done.get(id)));
      done.set(spec.id, run(spec, `${parent}/${spec.id}`, dependency ?? after));
    }
    return [...done.values()];
  };
  const leaf = (_spec: SubtaskSpec, node: string, after: IdealCall): IdealCall => {
    const atomize = call(node, 'atomize', after, after.end);
    return call(node, 'execute', atomize, atomize.end);
  };
  const composite = (
    node: string,
    after: IdealCall | undefined,
    children: (planned: IdealCall) => IdealCall[],
  ): IdealCall => {
    const atomize = call(node, 'atomize', after, after?.end ?? 0);
    const plan = call(node, 'plan', atomize, atomize.end);
    const last = latest(children(plan)) ?? plan;
    return call(node, 'aggregate', last, last.end);
  };
  const root = composite('root', undefined, (planned) =>
    siblings('root', tree.composites, planned, (phase, node, after) =>
      composite(node, after, (phasePlanned) => siblings(node, phase.leaves, phasePlanned, leaf)),
    ),
  );
  const criticalPath: IdealCall[] = [];
  for (let at: IdealCall | undefined = root; at; at = before.get(at)) criticalPath.unshift(at);
  return { calls, makespan: root.end, criticalPath, peakConcurrency: peak(calls) };
}

/** Most intervals [start, end) overlapping at one moment. */
function peak(calls: IdealCall[]): number {
  const edges = calls.flatMap((entry) => [
    { at: entry.start, delta: 1 },
    { at: entry.end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta); // ends before starts at the same moment
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.delta;
    most = Math.max(most, running);
  }
  return most;
}

/** `root/b/b3#execute` style labels of calls. */
export const describeCall = (entry: { node: string; phase: Phase }): string => `${entry.node}#${entry.phase}`;

/** The tree's DAG, one line per composite, for the report. */
export function describeTree(tree: TreeSpec): string[] {
  return tree.composites.map((phase) => {
    const after = phase.dependsOn.length > 0 ? ` after ${phase.dependsOn.join(',')}` : '';
    const steps = phase.leaves
      .map((leaf) => (leaf.dependsOn.length > 0 ? `${leaf.id}<-${leaf.dependsOn.join('+')}` : leaf.id))
      .join(' ');
    return `${phase.id}${after}: ${steps}`;
  });
}
