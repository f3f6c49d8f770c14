import { setTimeout as sleep } from 'node:timers/promises';

import type { TaskNodeRecord } from '../../../src/teams/recursive/index.js';
import { Kernel, type KernelOptions } from '../../../src/kernel/index.js';
import { createModelProvider } from '../../../src/models/index.js';
import {
  InMemoryTaskTreeStore,
  RecursiveTeam,
  type RecursiveTeamOptions,
  type TaskTreeEvent,
  type TaskTreeStore,
} from '../../../src/teams/recursive/index.js';
import { SimModelServer, type SimModelOptions, type SimRule } from '../../../src/testing/index.js';

/** Rule matchers for the team's roles (their system prompts name them). */
export const role = {
  atomizer: 'atomizer of a recursive task team',
  planner: 'planner of a recursive task team',
  aggregator: 'aggregator of a recursive task team',
  executor: 'executor of a recursive task team',
} as const;

export const json = (value: unknown): { text: string } => ({ text: JSON.stringify(value) });

/** Every goal not scripted otherwise is atomic: put this after the composite goals' atomizer rules. */
export const ATOMIC_BY_DEFAULT: SimRule = {
  match: { system: role.atomizer },
  reply: json({ atomic: true, reason: 'small enough' }),
};

export interface Harness {
  sim: SimModelServer;
  kernel: Kernel;
  store: TaskTreeStore;
  team: RecursiveTeam;
  events: TaskTreeEvent[];
  /** Agent ids of the llm syscalls that finished (`<tree>/<node>#<phase>`), in order. */
  calls: string[];
  /** Most llm syscalls running at once in the kernel. */
  maxRunning(): number;
  /** Calls of one phase, as node ids (e.g. `plan` → ['root', 'root']). */
  callsOf(phase: 'atomize' | 'plan' | 'aggregate' | 'execute'): string[];
  close(): Promise<void>;
}

/** A simulated model over HTTP, a real kernel with it as backend, and a team on `store` (in memory by default). */
export async function harness(
  sim: SimModelOptions,
  options: {
    team?: Omit<RecursiveTeamOptions, 'kernel' | 'store'>;
    store?: TaskTreeStore;
    kernel?: Omit<KernelOptions, 'backends'>;
    slots?: number;
    /** A simulated model already running (shared with another process); left running on close. */
    server?: SimModelServer;
  } = {},
): Promise<Harness> {
  const shared = options.server;
  const server = shared ?? new SimModelServer(sim);
  const url = shared ? shared.baseUrl : (await server.start(0)).url;
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries: 0 },
  });
  const kernel = new Kernel({ ...options.kernel, backends: [{ provider, slots: options.slots ?? 4 }] });
  const store = options.store ?? new InMemoryTaskTreeStore();
  const team = new RecursiveTeam({ ...options.team, kernel, store });
  const events: TaskTreeEvent[] = [];
  team.on((event) => events.push(event));
  const calls: string[] = [];
  let running = 0;
  let maxRunning = 0;
  kernel.on('syscall-started', ({ syscall }) => {
    if (syscall.type !== 'llm') return;
    running++;
    maxRunning = Math.max(maxRunning, running);
  });
  kernel.on('syscall-finished', ({ syscall }) => {
    if (syscall.type !== 'llm') return;
    running--;
    calls.push(syscall.agentId);
  });
  return {
    sim: server,
    kernel,
    store,
    team,
    events,
    calls,
    maxRunning: () => maxRunning,
    callsOf: (phase) =>
      calls
        .filter((agentId) => agentId.endsWith(`#${phase}`))
        .map((agentId) => agentId.slice(agentId.indexOf('/') + 1, agentId.lastIndexOf('#'))),
    async close() {
      await kernel.close();
      if (!shared) await server.stop();
    },
  };
}

/** The atomizer calls this goal composite. */
export const composite = (goal: string): SimRule => ({
  match: { system: role.atomizer, lastUser: `^Goal: ${goal}` },
  reply: json({ atomic: false, reason: 'several parts' }),
});

/** The planner answers this plan for this goal (`times` times, or always). */
export const plan = (
  goal: string,
  subtasks: Array<{ id: string; goal: string; dependsOn?: string[] }>,
  times?: number,
): SimRule => ({
  match: { system: role.planner, lastUser: `^Goal: ${goal}` },
  reply: json({ subtasks }),
  ...(times === undefined ? {} : { times }),
});

export const byId = (result: { nodes: TaskNodeRecord[] }): Record<string, TaskNodeRecord | undefined> =>
  Object.fromEntries(result.nodes.map((node) => [node.id, node]));

/**
 * Waits until `team` can take the tree's lease (a killed process's lease expired), as a recoverer would, and
 * takes it; returns how many attempts were refused.
 */
export async function takeOver(
  store: TaskTreeStore,
  treeId: string,
  team: RecursiveTeam,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let refused = 0;
  while (!(await store.acquireLease(treeId, team.owner, team.leaseMs))) {
    if (Date.now() > deadline) throw new Error(`tree ${treeId}: its lease was not freed in ${timeoutMs} ms`);
    refused++;
    await sleep(50);
  }
  return refused;
}
