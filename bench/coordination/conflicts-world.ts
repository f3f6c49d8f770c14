/**
 * The simulated world of the conflicts benchmark (bench/coordination/conflicts.ts). Simulated time: one tick
 * is `tickMs` of pretend time; task work is a number of ticks, not a model call, so the figures measure the
 * coordination logic, not a model's latency. Everything random comes from seeded PRNGs.
 */
import {
  Arbiter,
  ConflictDetector,
  ConflictResolver,
  TheoryOfMind,
  type Contender,
  type Conflict,
  type ConflictMetrics,
  type ResolveOutcome,
} from '../../src/coordination/conflicts/index.js';
import { seededRandom } from '../../src/testing/index.js';

/** How agents decide to act. naive: act when the resource looks free; tom: check models first; always: always ask. */
export type Policy = 'naive' | 'tom' | 'always';

export interface WorldOptions {
  seed: number;
  policy: Policy;
  agents: number;
  resources: number;
  targets: number;
  ticks: number;
  observeProbability: number;
  bidNoise: number;
  threshold: number;
  humanDelayTicks: number;
  goalActionShare: number;
}

export interface WorldResult {
  completed: number;
  collisions: number;
  undone: number;
  coordinationRequests: number;
  alternatives: number;
  metrics: ConflictMetrics;
}

/** mulberry32, seeded: the same world for the same seed. */
export const prng = seededRandom;

const gaussian = (random: () => number): number =>
  Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

interface Task {
  id: string;
  resource: string;
  alt: string;
  altQuality: number;
  duration: number;
  value: number;
  quality: number;
  urgency: number;
  think: number;
  goal?: { target: string; state: string };
}

interface Stance {
  state: string;
  criteria: Record<string, number>;
}

interface Agent {
  id: string;
  primary: number;
  stances: Map<string, Stance>;
  random: () => number;
  seq: number;
  task?: Task;
  readyAt: number;
  working?: { resource: string; until: number };
  waiting?: string;
  mind?: TheoryOfMind;
}

const OBJECTIVES = [
  { name: 'revenue', weight: 2 },
  { name: 'safety', weight: 3 },
  { name: 'reliability', weight: 1 },
];

export async function runWorld(options: WorldOptions): Promise<WorldResult> {
  const R = Array.from({ length: options.resources }, (_, i) => `res:${i}`);
  const T = Array.from({ length: options.targets }, (_, i) => `target:${i}`);
  const world = prng(options.seed);
  const noise = prng(options.seed ^ 0x5bd1e995);
  const sight = prng(options.seed ^ 0x1b873593);
  const pick = <X>(random: () => number, items: readonly X[]): X =>
    items[Math.floor(random() * items.length)]!;
  let conflictSeq = 0;
  let tick = 0;
  const detector = new ConflictDetector({ ids: () => `c${++conflictSeq}`, now: () => tick * 100 });
  const resolver = new ConflictResolver({
    arbiter: new Arbiter({ objectives: OBJECTIVES }),
    threshold: options.threshold,
    noise: options.bidNoise,
    detector,
    now: () => tick * 100,
  });

  const agents: Agent[] = Array.from({ length: options.agents }, (_, i) => {
    const stances = new Map<string, Stance>();
    for (const target of [pick(world, T), pick(world, T)]) {
      const criteria = Object.fromEntries(OBJECTIVES.map((o) => [o.name, world()]));
      stances.set(target, { state: world() < 0.5 ? 'on' : 'off', criteria });
    }
    const agent: Agent = {
      id: `agent-${String(i).padStart(2, '0')}`,
      primary: Math.floor(world() * R.length),
      stances,
      random: prng(options.seed * 7919 + i + 1),
      seq: 0,
      readyAt: 0,
    };
    if (options.policy === 'tom') agent.mind = new TheoryOfMind(agent.id);
    return agent;
  });
  const byId = new Map(agents.map((agent) => [agent.id, agent]));

  // Each agent's task stream depends only on its own PRNG, so every policy sees the same tasks.
  const nextTask = (agent: Agent): Task => {
    const r = agent.random;
    const primary = r() < 0.6 ? agent.primary : Math.floor(r() * R.length);
    const alt = (primary + 1 + Math.floor(r() * (R.length - 1))) % R.length;
    const task: Task = {
      id: `${agent.id}/t${++agent.seq}`,
      resource: R[primary]!,
      alt: R[alt]!,
      altQuality: 0.6 + 0.3 * r(),
      duration: 1 + Math.floor(r() * 4),
      value: 1 + 9 * r(),
      quality: 0.6 + 0.4 * r(),
      urgency: 0.5 + 1.5 * r(),
      think: Math.floor(r() * 4),
    };
    const goalRoll = r();
    const target = pick(r, [...agent.stances.keys()]);
    const stance = agent.stances.get(target);
    if (goalRoll < options.goalActionShare && stance) task.goal = { target, state: stance.state };
    return task;
  };

  const holder = new Map<string, string>();
  const reservedUntil = new Map<string, number>();
  const claims = new Map<string, Set<string>>(R.map((name) => [name, new Set<string>()]));
  // A person's pick for an escalated resource, granted as soon as the reservation ends.
  const humanGrant = new Map<string, string>();
  const targetState = new Map<string, { state: string; setter: string }>();
  const humanDue: Array<{ at: number; run: () => Promise<void> }> = [];
  const result = { completed: 0, collisions: 0, undone: 0, coordinationRequests: 0, alternatives: 0 };

  const utility = (task: Task): number => task.value * task.quality * task.urgency - 0.2 * task.duration;
  const bidOf = (agent: Agent): Contender => {
    const task = agent.task!;
    const estimate = Math.max(0, task.value * (1 + options.bidNoise * gaussian(noise)));
    return {
      agentId: agent.id,
      bid: {
        value: estimate,
        quality: task.quality,
        urgency: task.urgency,
        delayPenalty: 0.2 * task.duration,
      },
    };
  };
  const observe = (actor: Agent, event: Parameters<TheoryOfMind['observe']>[0]): void => {
    for (const other of agents)
      if (other !== actor && other.mind && sight() < options.observeProbability) other.mind.observe(event);
  };
  const busy = (resource: string): boolean =>
    holder.has(resource) || (reservedUntil.get(resource) ?? -1) > tick;

  /** A resource conflict among `ids`; resolves it, or reserves the resource until a person decides. */
  const contest = async (resource: string, ids: string[]): Promise<string | undefined> => {
    const [conflict] = detector.resources(ids.map((agentId) => ({ agentId, resource })));
    if (!conflict) return ids[0];
    const outcome = await resolver.resolve(
      conflict,
      ids.map((id) => bidOf(byId.get(id)!)),
    );
    if (outcome.status === 'resolved') return outcome.resolution.winner;
    reservedUntil.set(resource, tick + options.humanDelayTicks);
    const best = [...ids].sort((a, b) => utility(byId.get(b)!.task!) - utility(byId.get(a)!.task!))[0]!;
    humanDue.push({
      at: tick + options.humanDelayTicks,
      run: async () => {
        await resolver.decide(outcome.escalation.id, { winner: best, decidedBy: 'sim-human' });
        reservedUntil.delete(resource);
        humanGrant.set(resource, best);
      },
    });
    return undefined;
  };

  /** A goal conflict on `target`; the loser(s) drop their stance. Returns whether `agent` keeps its goal. */
  const settleGoal = async (agent: Agent, target: string, opponents: Agent[]): Promise<boolean> => {
    const parties = [agent, ...opponents];
    const goals = parties.map((a) => ({ agentId: a.id, target, desiredState: a.stances.get(target)!.state }));
    const [conflict] = detector.goals(goals);
    if (!conflict) return true;
    const contenders = parties.map((a) => ({ agentId: a.id, criteria: a.stances.get(target)!.criteria }));
    const apply = (winner: string): void => {
      for (const party of parties) if (party.id !== winner) party.stances.delete(target);
    };
    const outcome: ResolveOutcome = await resolver.resolve(conflict as Conflict, contenders);
    if (outcome.status === 'resolved') {
      apply(outcome.resolution.winner);
      return outcome.resolution.winner === agent.id;
    }
    // Until a person decides, the goal action is held back; the person takes the manager's proposal.
    humanDue.push({
      at: tick + options.humanDelayTicks,
      run: async () => {
        const decided = await resolver.decide(outcome.escalation.id, {
          winner: outcome.escalation.proposal.winner,
          decidedBy: 'sim-human',
        });
        apply(decided.winner);
      },
    });
    return false;
  };

  const complete = async (agent: Agent): Promise<void> => {
    const task = agent.task!;
    holder.delete(agent.working!.resource);
    delete agent.working;
    delete agent.task;
    result.completed += 1;
    agent.readyAt = tick + task.think;
    const goal = task.goal;
    if (!goal || agent.stances.get(goal.target)?.state !== goal.state) return;
    const current = targetState.get(goal.target);
    const previous = current ? byId.get(current.setter) : undefined;
    if (
      current &&
      previous &&
      previous !== agent &&
      current.state !== goal.state &&
      previous.stances.get(goal.target)?.state === current.state
    ) {
      // Coordination failure: this action undoes another agent's action on the same target.
      result.undone += 1;
      targetState.set(goal.target, { state: goal.state, setter: agent.id });
      await settleGoal(agent, goal.target, [previous]);
    } else {
      targetState.set(goal.target, { state: goal.state, setter: agent.id });
    }
    observe(agent, { agentId: agent.id, target: goal.target, state: goal.state, at: tick });
  };

  for (tick = 0; tick < options.ticks; tick++) {
    for (const agent of agents) if (agent.working && agent.working.until <= tick) await complete(agent);
    for (const due of humanDue.filter((entry) => entry.at <= tick)) await due.run();
    humanDue.splice(0, humanDue.length, ...humanDue.filter((entry) => entry.at > tick));

    const starts = new Map<string, Agent[]>();
    const start = (agent: Agent, resource: string): void => {
      const list = starts.get(resource) ?? [];
      list.push(agent);
      starts.set(resource, list);
    };
    for (const agent of agents) {
      if (agent.working || agent.waiting || agent.readyAt > tick) continue;
      agent.task ??= nextTask(agent);
      const task = agent.task;
      if (task.goal && agent.mind && agent.stances.get(task.goal.target)?.state === task.goal.state) {
        const predicted = agent.mind.predict({ ...task.goal, at: tick }).filter((p) => p.kind === 'goal');
        const opponents = predicted
          .map((p) => byId.get(p.with)!)
          .filter(
            (other) =>
              other.stances.has(task.goal!.target) &&
              other.stances.get(task.goal!.target)!.state !== task.goal!.state,
          );
        if (predicted.length > 0) result.coordinationRequests += 1;
        if (opponents.length > 0 && !(await settleGoal(agent, task.goal.target, opponents))) delete task.goal;
      }
      if (busy(task.resource) || options.policy === 'always') {
        agent.waiting = task.resource;
        claims.get(task.resource)!.add(agent.id);
        if (options.policy === 'always') result.coordinationRequests += 1;
        continue;
      }
      if (!agent.mind) {
        start(agent, task.resource);
        continue;
      }
      const alternatives = busy(task.alt) ? [] : [{ resource: task.alt, at: tick }];
      const decision = agent.mind.decide({ resource: task.resource, at: tick }, alternatives);
      if (decision.kind === 'proceed') start(agent, task.resource);
      else if (decision.kind === 'alternative') {
        result.alternatives += 1;
        task.quality *= task.altQuality;
        task.resource = task.alt;
        start(agent, task.alt);
      } else {
        result.coordinationRequests += 1;
        agent.waiting = task.resource;
        claims.get(task.resource)!.add(agent.id);
      }
    }
    // The resolver grants free resources to coordinated claimants; it cannot see this tick's unilateral starts.
    for (const resource of R) {
      const waiting = claims.get(resource)!;
      if (waiting.size === 0 || busy(resource)) continue;
      const granted = humanGrant.get(resource);
      humanGrant.delete(resource);
      const winner =
        granted !== undefined && waiting.has(granted)
          ? granted
          : await contest(resource, [...waiting].sort());
      if (winner === undefined) continue;
      waiting.delete(winner);
      const agent = byId.get(winner)!;
      delete agent.waiting;
      start(agent, resource);
    }
    for (const [resource, list] of starts) {
      let runner = list[0]!;
      if (list.length > 1) {
        // Coordination failure: several agents act on one exclusive resource at once.
        result.collisions += list.length - 1;
        const winner = await contest(resource, list.map((agent) => agent.id).sort());
        for (const agent of list) {
          if (agent.id === winner) continue;
          agent.waiting = resource;
          claims.get(resource)!.add(agent.id);
        }
        if (winner === undefined) continue;
        runner = byId.get(winner)!;
      }
      holder.set(resource, runner.id);
      runner.working = { resource, until: tick + runner.task!.duration };
      delete runner.waiting;
      claims.get(resource)!.delete(runner.id);
      observe(runner, { agentId: runner.id, resource, at: tick, until: runner.working.until });
    }
  }
  return { ...result, metrics: resolver.metrics() };
}
