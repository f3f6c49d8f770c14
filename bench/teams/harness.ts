/**
 * Runs the benchmark's tree on a real Kernel (the simulated model as its one backend) and checks the run did
 * exactly what the tree says; and the calibration: lone calls of each role, straight to the provider and
 * through the kernel, on the same simulated model.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Kernel } from '../../src/kernel/index.js';
import { createModelProvider, type ModelProvider } from '../../src/models/index.js';
import { openStore } from '../../src/store/index.js';
import {
  AGGREGATOR_SYSTEM,
  ATOMIZER_SYSTEM,
  EXECUTOR_SYSTEM,
  InMemoryTaskTreeStore,
  plannerSystem,
  RecursiveTeam,
  SqlTaskTreeStore,
  type TaskTreeStore,
} from '../../src/teams/recursive/index.js';
import { callCounts, PHASES, type Phase, type TreeSpec } from './tree.js';

export const LIMITS = { maxDepth: 3, maxSubtasks: 8, maxAttempts: 2, answerAttempts: 3 } as const;
/** The crash child's lease on its tree: short, so the bench takes the killed child's tree over soon. */
export const CRASH_LEASE_MS = 1_000;

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
export const load1 = (): number => round(loadavg()[0] ?? 0, 2);
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

const started = performance.now();
export const progress = (line: string): void =>
  void process.stderr.write(`[bench:teams ${((performance.now() - started) / 1000).toFixed(0)}s] ${line}\n`);

export const simProvider = (url: string): Promise<ModelProvider> =>
  createModelProvider(`openai-compatible:${url}#sim-model`, { settings: { maxRetries: 0 } });

/** Where a run keeps its tree. */
export type StoreKind = 'memory' | 'pglite';

export interface RunFigures {
  store: StoreKind;
  slots: number;
  makespanMs: number;
  /** Most llm syscalls running at once in the kernel. */
  maxRunning: number;
  /** Model calls by phase, from the kernel's finished llm syscalls. */
  calls: Record<Phase, number>;
  /** Median time an llm syscall waited in the kernel's queue, and the kernel's own CPU per syscall. */
  kernelWaitP50Ms: number;
  kernelCpuMsPerSyscall: number;
  loadBefore: number;
  loadAfter: number;
}

/** Opens a fresh tree store of `kind`; `close` throws it away. */
async function openTreeStore(kind: StoreKind): Promise<{ store: TaskTreeStore; close(): Promise<void> }> {
  if (kind === 'memory') return { store: new InMemoryTaskTreeStore(), close: async () => undefined };
  const dataDir = await mkdtemp(join(tmpdir(), 'hydra-bench-teams-'));
  const opened = await openStore({ dataDir });
  return {
    store: await SqlTaskTreeStore.open(opened),
    async close() {
      await opened.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const phaseOf = (agentId: string): Phase | undefined => {
  const phase = agentId.slice(agentId.lastIndexOf('#') + 1);
  return (PHASES as readonly string[]).includes(phase) ? (phase as Phase) : undefined;
};

/**
 * One run of the tree on a fresh kernel (`slots` backend slots) and a fresh store; the makespan is from
 * `team.run` called to returned. Throws if the tree did not end done with every node done and exactly the
 * model calls the tree implies (so a figure never comes from a run that did something else).
 */
export async function runTree(
  tree: TreeSpec,
  url: string,
  options: { store: StoreKind; slots: number },
): Promise<RunFigures> {
  const provider = await simProvider(url);
  const kernel = new Kernel({ backends: [{ provider, slots: options.slots }] });
  const { store, close } = await openTreeStore(options.store);
  const team = new RecursiveTeam({ kernel, store, limits: LIMITS });
  const calls: Record<Phase, number> = { atomize: 0, plan: 0, execute: 0, aggregate: 0 };
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
    const phase = phaseOf(syscall.agentId);
    if (phase) calls[phase]++;
  });
  try {
    const loadBefore = load1();
    const begin = performance.now();
    const result = await team.run(tree.goal);
    const makespanMs = performance.now() - begin;
    const loadAfter = load1();
    const expectedNodes = 1 + tree.composites.reduce((sum, phase) => sum + 1 + phase.leaves.length, 0);
    if (result.status !== 'done' || result.nodes.length !== expectedNodes)
      throw new Error(`tree ended ${result.status} with ${result.nodes.length}/${expectedNodes} nodes`);
    const notDone = result.nodes.filter((node) => node.status !== 'done');
    if (notDone.length > 0) throw new Error(`nodes not done: ${notDone.map((node) => node.id).join(', ')}`);
    const expected = callCounts(tree);
    if (PHASES.some((phase) => calls[phase] !== expected[phase]))
      throw new Error(`model calls ${JSON.stringify(calls)}, expected ${JSON.stringify(expected)}`);
    const stats = kernel.stats();
    return {
      store: options.store,
      slots: options.slots,
      makespanMs: round(makespanMs),
      maxRunning,
      calls,
      kernelWaitP50Ms: round(stats.waiting.llm.p50Ms, 2),
      kernelCpuMsPerSyscall: round(stats.kernelCpuMsPerSyscall, 3),
      loadBefore,
      loadAfter,
    };
  } finally {
    await kernel.close();
    await close();
  }
}

/** A request each role's rule answers with that role's fixed reply length. */
function roleRequest(tree: TreeSpec, phase: Phase): { system: string; user: string } {
  const phaseA = tree.composites[0];
  const step = phaseA?.leaves[0];
  if (!phaseA || !step) throw new Error('empty tree');
  const part = `This is part of a larger task: ${phaseA.goal} <- ${tree.goal}`;
  switch (phase) {
    case 'atomize':
      return { system: ATOMIZER_SYSTEM, user: `Goal: ${step.goal}\n\n${part}` };
    case 'plan':
      return { system: plannerSystem(LIMITS.maxSubtasks), user: `Goal: ${phaseA.goal}` };
    case 'execute':
      return { system: EXECUTOR_SYSTEM, user: `Goal: ${step.goal}\n\n${part}` };
    case 'aggregate':
      return {
        system: AGGREGATOR_SYSTEM,
        user: `Goal: ${phaseA.goal}\n\nSubtask results:\n- subtask a1 (${step.goal}) done: step done`,
      };
  }
}

export interface Calibration {
  /** Median lone-call latency per role, straight to the provider (HTTP + the sim's fixed latency). */
  directMs: Record<Phase, number>;
  /** The same calls as kernel syscalls (acquire a handle, `asProvider().chat`, release), as the engine does. */
  kernelMs: Record<Phase, number>;
  /** Median over every round and role of (via kernel - direct) for the same request: what a syscall adds. */
  kernelOverheadMs: number;
  rounds: number;
}

/**
 * Lone calls, one at a time (nothing else in flight), `rounds` per role and path, interleaved so both paths
 * see the same machine load; after a warm-up round that is not counted.
 */
export async function calibrate(tree: TreeSpec, url: string, rounds: number): Promise<Calibration> {
  const provider = await simProvider(url);
  const kernel = new Kernel({ backends: [{ provider, slots: 1 }] });
  const samples = {
    direct: Object.fromEntries(PHASES.map((phase) => [phase, [] as number[]])) as Record<Phase, number[]>,
    kernel: Object.fromEntries(PHASES.map((phase) => [phase, [] as number[]])) as Record<Phase, number[]>,
  };
  const differences: number[] = [];
  const time = async (via: ModelProvider, phase: Phase): Promise<number> => {
    const { system, user } = roleRequest(tree, phase);
    const begin = performance.now();
    await via.chat({
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
    });
    return performance.now() - begin;
  };
  try {
    for (let round = 0; round <= rounds; round++) {
      for (const phase of PHASES) {
        const direct = await time(provider, phase);
        const handle = await kernel.acquireAgent(`calibration#${phase}`);
        const begin = performance.now();
        try {
          await time(handle.asProvider(), phase);
        } finally {
          handle.release();
        }
        const viaKernel = performance.now() - begin; // acquire + syscall + release, as a node's phase
        if (round === 0) continue; // warm-up: connections, JIT
        samples.direct[phase].push(direct);
        samples.kernel[phase].push(viaKernel);
        differences.push(viaKernel - direct);
      }
    }
  } finally {
    await kernel.close();
  }
  const directMs = Object.fromEntries(
    PHASES.map((phase) => [phase, round(median(samples.direct[phase]), 2)]),
  ) as Record<Phase, number>;
  const kernelMs = Object.fromEntries(
    PHASES.map((phase) => [phase, round(median(samples.kernel[phase]), 2)]),
  ) as Record<Phase, number>;
  return {
    directMs,
    kernelMs,
    kernelOverheadMs: round(median(differences), 2),
    rounds,
  };
}
