/**
 * `npm run bench:coordination`: the coordination primitives in seeded simulations, in one run:
 * (a) a review swarm of 10 agents over 200 files with and without stigmergy, every review an LLM call
 * through a real Kernel to the simulated model (stigmergy.ts); (b) 20 agents with competing tasks over 5
 * exclusive resources and conflicting goals, resolved by negotiation, arbitration and escalation, with and
 * without theory of mind (conflicts.ts); (c) consensus rounds against verification noise (consensus.ts);
 * (d) particle swarm optimisation on known test functions, and tuning the kernel (pso.ts).
 * Progress on stderr; tables and the JSON summary (last line) on stdout. `--quick` shortens (b) and (d).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { printSummary, printTable } from '../lib/report.js';
import { conflictsBench } from './conflicts.js';
import { consensusBench } from './consensus.js';
import { psoBench } from './pso.js';
import { stigmergyBench } from './stigmergy.js';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const TARGETS = { duplicates: 0.05, autonomous: 0.85, escalations: 0.1, tomReduction: 0.36 } as const;
const started = performance.now();
const load = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;
const loadAtStart = load();
const step = (what: string): void => void process.stderr.write(`[bench:coordination] ${what}\n`);

step('(a) review swarm with and without stigmergy (10 agents, 200 files, simulated model)');
const stigmergy = await stigmergyBench({ agents: 10, files: 200 });
step('(b) 20 agents, 5 exclusive resources, conflicting goals: conflict resolution and theory of mind');
const conflicts = await conflictsBench(flags.quick ? { seeds: [1] } : {});
step('(c) consensus rounds against verification noise');
const consensus = await consensusBench();
step('(d) particle swarm optimisation on test functions, and tuning the kernel');
const pso = await psoBench(flags.quick ? { tuneKernel: false } : {});

printTable(
  '(a) Review swarm: 10 agents over 200 files, each review an LLM call (simulated model)',
  stigmergy.rows,
);
printTable('(b) Conflicts: 20 agents, 5 exclusive resources, conflicting goals', conflicts.rows);
printTable('(c) Consensus: rounds to converge against verification noise', consensus.rows);
printTable('(d) Particle swarm optimisation', pso.rows);

const met = (ok: boolean): string => (ok ? 'yes' : 'NO');
printTable('Targets (never lowered)', [
  {
    target: 'duplicated reviews with stigmergy',
    required: `<= ${TARGETS.duplicates * 100}%`,
    measured: `${(stigmergy.summary.stigmergy_duplicate_rate * 100).toFixed(2)}%`,
    met: met(stigmergy.summary.stigmergy_duplicate_rate <= TARGETS.duplicates),
  },
  {
    target: 'conflicts resolved autonomously',
    required: `>= ${TARGETS.autonomous * 100}%`,
    measured: `${(conflicts.summary.autonomous_resolution_rate * 100).toFixed(2)}%`,
    met: met(conflicts.summary.autonomous_resolution_rate >= TARGETS.autonomous),
  },
  {
    target: 'conflicts escalated to a human',
    required: `<= ${TARGETS.escalations * 100}%`,
    measured: `${(conflicts.summary.escalation_rate * 100).toFixed(2)}%`,
    met: met(conflicts.summary.escalation_rate <= TARGETS.escalations),
  },
  {
    target: 'coordination failures, theory of mind vs without',
    required: `>= ${TARGETS.tomReduction * 100}% fewer`,
    measured: `${(conflicts.summary.tom_failure_reduction * 100).toFixed(2)}% fewer`,
    met: met(conflicts.summary.tom_failure_reduction >= TARGETS.tomReduction),
  },
  {
    target: 'PSO reaches the optimum within tolerance',
    required: 'every sphere and Rosenbrock run',
    measured: pso.summary.pso_runs_converged,
    met: met(pso.summary.pso_converged),
  },
]);

printSummary('coordination', {
  stigmergy_duplicate_rate: stigmergy.summary.stigmergy_duplicate_rate,
  autonomous_resolution_rate: conflicts.summary.autonomous_resolution_rate,
  escalation_rate: conflicts.summary.escalation_rate,
  tom_failure_reduction: conflicts.summary.tom_failure_reduction,
  pso_converged: pso.summary.pso_converged,
  stigmergy: stigmergy.summary,
  conflicts: conflicts.summary,
  consensus: consensus.summary,
  pso: pso.summary,
  quick: flags.quick,
  loadavg_start: loadAtStart,
  loadavg_end: load(),
  seconds: Math.round((performance.now() - started) / 1000),
});
