/**
 * Consensus rounds versus verification noise: agents verify a claim whose true value is known, each with
 * seeded uniform noise of the given amplitude and a confidence that falls with its error, then gossip
 * (each hears `peers` random others per round) until no value moves more than the tolerance. Reports rounds
 * to converge and how far the consensus lands from the truth. Verification is simulated here (no model
 * call): the figure of interest is the exchange protocol. Standalone: `npx tsx bench/coordination/consensus.ts`.
 */
import { pathToFileURL } from 'node:url';

import { reachConsensus, type Belief } from '../../src/coordination/swarm/index.js';
import { printSummary, printTable } from '../lib/report.js';

export interface ConsensusBenchOptions {
  agents?: number;
  /** Peers heard per round (default 3); a row with everyone heard is added for comparison. */
  peers?: number;
  noiseLevels?: number[];
  seeds?: number;
  tolerance?: number;
  maxRounds?: number;
  truth?: number;
}

export interface ConsensusBenchResult {
  rows: Array<Record<string, string | number>>;
  summary: {
    consensus_all_converged: boolean;
    /** Mean rounds to converge per noise level, gossiping with `peers` peers. */
    consensus_rounds_by_noise: Record<string, number>;
    /** Largest mean |consensus − truth| over the noise levels. */
    consensus_max_mean_error: number;
    /** The same, for the plain (unweighted) mean of the initial verifications: what weighting buys. */
    unweighted_max_mean_error: number;
  };
}

export async function consensusBench(options: ConsensusBenchOptions = {}): Promise<ConsensusBenchResult> {
  const agents = options.agents ?? 25;
  const peers = options.peers ?? 3;
  const noiseLevels = options.noiseLevels ?? [0.05, 0.1, 0.2, 0.4, 0.8];
  const seeds = options.seeds ?? 5;
  const tolerance = options.tolerance ?? 1e-3;
  const maxRounds = options.maxRounds ?? 100;
  const truth = options.truth ?? 0.7;

  // Confidence falls with the error, as a verifier that checks its work more carefully is both more often
  // right and more sure; a floor keeps every agent in the conversation.
  const verify =
    (noise: number) =>
    async (_agent: string, _claim: string, { random }: { random: () => number }): Promise<Belief> => {
      const error = (random() * 2 - 1) * noise;
      return {
        value: truth + error,
        confidence: Math.max(0.05, 1 - Math.abs(error) / Math.max(noise, 1e-9)),
      };
    };

  const rows: Array<Record<string, string | number>> = [];
  const roundsByNoise: Record<string, number> = {};
  let allConverged = true;
  let maxError = 0;
  let maxPlainError = 0;
  const configs = [
    ...noiseLevels.map((noise) => ({ noise, peers })),
    { noise: noiseLevels[Math.floor(noiseLevels.length / 2)] ?? 0.2, peers: agents - 1 },
  ];
  for (const config of configs) {
    const runs = [];
    for (let seed = 1; seed <= seeds; seed++) {
      runs.push(
        await reachConsensus({
          claim: 'the build is green',
          agents,
          verify: verify(config.noise),
          peers: config.peers,
          tolerance,
          maxRounds,
          seed,
        }),
      );
    }
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    const rounds = runs.map((run) => run.rounds);
    const error = mean(runs.map((run) => Math.abs(run.belief - truth)));
    const plainError = mean(
      runs.map((run) => Math.abs(mean(run.initial.map((belief) => belief.value)) - truth)),
    );
    const converged = runs.filter((run) => run.converged).length;
    allConverged &&= converged === runs.length;
    if (config.peers === peers) {
      roundsByNoise[String(config.noise)] = mean(rounds);
      maxError = Math.max(maxError, error);
      maxPlainError = Math.max(maxPlainError, plainError);
    }
    rows.push({
      noise: config.noise,
      agents,
      peers: config.peers === agents - 1 ? 'all' : config.peers,
      seeds,
      converged: `${converged}/${runs.length}`,
      mean_rounds: mean(rounds),
      max_rounds: Math.max(...rounds),
      mean_abs_error: error,
      unweighted_abs_error: plainError,
      final_spread: mean(runs.map((run) => run.spread)),
      mean_confidence: mean(runs.map((run) => run.confidence)),
    });
  }
  return {
    rows,
    summary: {
      consensus_all_converged: allConverged,
      consensus_rounds_by_noise: roundsByNoise,
      consensus_max_mean_error: maxError,
      unweighted_max_mean_error: maxPlainError,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { rows, summary } = await consensusBench();
  printTable('Consensus: rounds to converge vs verification noise (25 agents, tolerance 0.001)', rows);
  printSummary('coordination-consensus', summary);
}
