/**
 * Conflict resolution under load: a seeded simulation of 20 agents with competing tasks over 5 exclusive
 * resources and conflicting goals (bench/coordination/conflicts-world.ts), run through the real
 * ConflictResolver (negotiation for resources, a manager's arbitration for goals, escalation below 0.8
 * confidence, a simulated person deciding escalations after `humanDelayTicks`).
 *
 * Simulated time, not model calls: a tick is `tickMs` (100 ms) of pretend time and a task holds its resource
 * for 1–4 ticks. Throughput is tasks per simulated second.
 *
 * Coordination failure, counted concretely:
 *  - collision: an agent starts acting on an exclusive resource in the same tick as another agent (each
 *    extra actor counts once; the resolver then settles who keeps it and the others' start is wasted);
 *  - undone action: an agent sets a target to a state that overwrites another agent's earlier setting of that
 *    target while the other still holds that goal.
 *
 * Policies, on the same per-agent task streams: `naive` acts whenever its resource looks free (last tick's
 * lock table) and applies goals blindly; `tom` checks each planned action against its theory-of-mind models
 * (built only from the actions it happened to observe, each with probability `observeProbability`) and
 * proceeds, takes its task's alternative resource, or asks the resolver first; `always` routes every
 * resource use through the resolver (no collisions by construction; shows what coordination costs in
 * requests) but applies goals blindly like `naive`.
 */
import { runWorld, type Policy, type WorldOptions, type WorldResult } from './conflicts-world.js';

export interface ConflictsBenchOptions {
  /** Seeds; counts are summed over them. Default [1, 2, 3]. */
  seeds?: number[];
  agents?: number;
  resources?: number;
  targets?: number;
  ticks?: number;
  tickMs?: number;
  /** Chance that an agent sees a given action of another agent (theory of mind's evidence). Default 0.5. */
  observeProbability?: number;
  /** Extra observe probabilities to run the `tom` policy with, as extra rows. Default [0.2, 1]. */
  sweep?: number[];
  /** Relative error of a bid's value estimate; the resolver assumes the same. Default 0.1. */
  bidNoise?: number;
  /** Extra bid noises to run the `tom` policy with, as extra rows (escalation's sensitivity). Default [0.05]. */
  noiseSweep?: number[];
  threshold?: number;
  humanDelayTicks?: number;
  /** Share of tasks that also set a target to the agent's desired state. Default 0.3. */
  goalActionShare?: number;
}

export interface ConflictsBenchSummary {
  autonomous_resolution_rate: number;
  escalation_rate: number;
  tom_failure_reduction: number;
  throughput_tasks_per_s: number;
  throughput_tasks_per_s_naive: number;
  failures_naive: number;
  failures_tom: number;
  conflicts: number;
  mean_resolution_ms: number;
  wall_ms: number;
  time: 'simulated';
  targets: { autonomous_ge_85: boolean; escalation_le_10: boolean; tom_reduction_ge_36: boolean };
}

interface Totals {
  completed: number;
  collisions: number;
  undone: number;
  requests: number;
  alternatives: number;
  conflicts: number;
  autonomous: number;
  escalated: number;
  resolutionMsSum: number;
  resolutions: number;
  wallMs: number;
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

async function runPolicy(
  base: Omit<WorldOptions, 'seed' | 'policy' | 'observeProbability' | 'bidNoise'>,
  bidNoise: number,
  seeds: readonly number[],
  policy: Policy,
  observeProbability: number,
): Promise<Totals> {
  const totals: Totals = {
    completed: 0,
    collisions: 0,
    undone: 0,
    requests: 0,
    alternatives: 0,
    conflicts: 0,
    autonomous: 0,
    escalated: 0,
    resolutionMsSum: 0,
    resolutions: 0,
    wallMs: 0,
  };
  for (const seed of seeds) {
    const started = performance.now();
    const run: WorldResult = await runWorld({ ...base, bidNoise, seed, policy, observeProbability });
    totals.wallMs += performance.now() - started;
    const m = run.metrics;
    totals.completed += run.completed;
    totals.collisions += run.collisions;
    totals.undone += run.undone;
    totals.requests += run.coordinationRequests;
    totals.alternatives += run.alternatives;
    totals.conflicts += Object.values(m.detected).reduce((sum, n) => sum + n, 0);
    totals.autonomous += m.resolvedAutonomously;
    totals.escalated += m.escalated;
    totals.resolutionMsSum += m.resolutionMs.mean * m.resolutionMs.count;
    totals.resolutions += m.resolutionMs.count;
  }
  return totals;
}

export async function conflictsBench(options: ConflictsBenchOptions = {}): Promise<{
  rows: Array<Record<string, string | number>>;
  summary: ConflictsBenchSummary;
}> {
  const seeds = options.seeds ?? [1, 2, 3];
  const tickMs = options.tickMs ?? 100;
  const observe = options.observeProbability ?? 0.5;
  const base = {
    agents: options.agents ?? 20,
    resources: options.resources ?? 5,
    targets: options.targets ?? 6,
    ticks: options.ticks ?? 3_000,
    threshold: options.threshold ?? 0.8,
    humanDelayTicks: options.humanDelayTicks ?? 20,
    goalActionShare: options.goalActionShare ?? 0.3,
  };
  const simulatedS = (seeds.length * base.ticks * tickMs) / 1000;
  const noise = options.bidNoise ?? 0.1;
  const arms: Array<{ label: string; policy: Policy; observe: number; noise: number }> = [
    { label: 'naive', policy: 'naive', observe: 0, noise },
    { label: `tom p=${observe}`, policy: 'tom', observe, noise },
    ...(options.sweep ?? [0.2, 1]).map((p) => ({
      label: `tom p=${p}`,
      policy: 'tom' as const,
      observe: p,
      noise,
    })),
    ...(options.noiseSweep ?? [0.05]).map((n) => ({
      label: `tom p=${observe} noise=${n}`,
      policy: 'tom' as const,
      observe,
      noise: n,
    })),
    { label: 'always-coordinate', policy: 'always', observe: 0, noise },
  ];
  const results = new Map<string, Totals>();
  const rows: Array<Record<string, string | number>> = [];
  for (const arm of arms) {
    const t = await runPolicy(base, arm.noise, seeds, arm.policy, arm.observe);
    results.set(arm.label, t);
    const outcomes = t.autonomous + t.escalated;
    rows.push({
      policy: arm.label,
      tasks: t.completed,
      'tasks/s': round(t.completed / simulatedS, 2),
      collisions: t.collisions,
      undone: t.undone,
      failures: t.collisions + t.undone,
      requests: t.requests,
      alternatives: t.alternatives,
      conflicts: t.conflicts,
      autonomous: outcomes === 0 ? 0 : round(t.autonomous / outcomes),
      escalated: outcomes === 0 ? 0 : round(t.escalated / outcomes),
      'resolve ms': t.resolutions === 0 ? 0 : round(t.resolutionMsSum / t.resolutions, 1),
      'wall ms': Math.round(t.wallMs),
    });
  }
  const naive = results.get('naive')!;
  const tom = results.get(`tom p=${observe}`)!;
  const outcomes = tom.autonomous + tom.escalated;
  const failuresNaive = naive.collisions + naive.undone;
  const failuresTom = tom.collisions + tom.undone;
  const autonomous = outcomes === 0 ? 1 : tom.autonomous / outcomes;
  const escalation = outcomes === 0 ? 0 : tom.escalated / outcomes;
  const reduction = failuresNaive === 0 ? 0 : 1 - failuresTom / failuresNaive;
  return {
    rows,
    summary: {
      autonomous_resolution_rate: round(autonomous),
      escalation_rate: round(escalation),
      tom_failure_reduction: round(reduction),
      throughput_tasks_per_s: round(tom.completed / simulatedS, 2),
      throughput_tasks_per_s_naive: round(naive.completed / simulatedS, 2),
      failures_naive: failuresNaive,
      failures_tom: failuresTom,
      conflicts: tom.conflicts,
      mean_resolution_ms: tom.resolutions === 0 ? 0 : round(tom.resolutionMsSum / tom.resolutions, 1),
      wall_ms: Math.round([...results.values()].reduce((sum, t) => sum + t.wallMs, 0)),
      time: 'simulated',
      targets: {
        autonomous_ge_85: autonomous >= 0.85,
        escalation_le_10: escalation <= 0.1,
        tom_reduction_ge_36: reduction >= 0.36,
      },
    },
  };
}
