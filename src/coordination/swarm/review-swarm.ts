import { AbortedError } from '../../errors/index.js';
import { invalid, positiveInteger, seededRandom, shuffled } from './support.js';
import { checkTtl, type StigmergyEnvironment } from './stigmergy.js';

/** Trace types the review swarm leaves on each file. */
export const REVIEWING = 'reviewing';
export const ISSUES_FOUND = 'issues_found';

/** What a review returns: at least how many issues it found (deposited as the `issues_found` trace). */
export interface ReviewOutcome {
  issues: number;
}

export interface ReviewSwarmOptions<R extends ReviewOutcome> {
  /**
   * Where agents leave and sense traces. A function gives each agent its own environment: a private one per
   * agent is a swarm *without* stigmergy (the baseline benchmarks compare against).
   */
  env: StigmergyEnvironment | ((agent: string) => StigmergyEnvironment);
  files: readonly string[];
  /** How many agents, or their names (default names `reviewer-1`, ...). */
  agents: number | readonly string[];
  /** Reviews wanted per file (default 1); a file with this many claims is skipped. */
  reviewersPerFile?: number;
  /** The review itself, e.g. a model call through the kernel. A throw withdraws the claim (see below). */
  review: (file: string, agent: string) => Promise<R>;
  /** Stop an agent after this many reviews (default: no limit; the no-stigmergy baseline needs one). */
  maxReviewsPerAgent?: number;
  /**
   * `'atomic'` (default): an agent claims a file by incrementing its `reviewing` trace and backs off when the
   * count it gets back is over `reviewersPerFile`, so no two agents can both take the last place.
   * `'sense'`: an agent only senses before depositing, as in classic stigmergy; two agents that sense the
   * same file at the same moment both review it.
   */
  claim?: 'atomic' | 'sense';
  /**
   * TTL of the `reviewing` and `issues_found` traces (default 10 minutes). It is how long a claim outlives
   * its last deposit, so the claim of an agent that crashed mid-review evaporates and the file is free again.
   */
  traceTtlMs?: number;
  /** Seeds each agent's order through the files, so agents spread out instead of all starting at the top. */
  seed?: number;
  signal?: AbortSignal;
}

export interface CompletedReview<R> {
  file: string;
  agent: string;
  result: R;
  /** Milliseconds since the swarm started. */
  startedMs: number;
  finishedMs: number;
}

export interface ReviewSwarmResult<R> {
  reviews: CompletedReview<R>[];
  failures: Array<{ file: string; agent: string; error: unknown }>;
  /** Completed reviews per file (files nobody reviewed are absent). */
  reviewsPerFile: Map<string, number>;
  /** Reviews beyond `reviewersPerFile` of their file. */
  duplicates: number;
  /** `duplicates / reviews.length` (0 when nothing was reviewed). */
  duplicateRate: number;
  /** Fraction of files with at least `reviewersPerFile` completed reviews. */
  coverage: number;
  /** Times an agent passed over a file because enough others had it. */
  skipped: number;
  makespanMs: number;
}

/**
 * A code-review swarm coordinated only through stigmergy: every agent walks the file list in its own seeded
 * order, skips files whose `reviewing` trace shows enough reviewers, claims the rest by depositing on that
 * trace, reviews, and leaves an `issues_found` trace. Agents never message each other, so adding agents or
 * processes (with a Redis environment) needs no coordinator. Each agent makes one pass; a file whose review
 * failed is reported in `failures` and left for a later swarm.
 */
export async function reviewSwarm<R extends ReviewOutcome>(
  options: ReviewSwarmOptions<R>,
): Promise<ReviewSwarmResult<R>> {
  const reviewersPerFile = positiveInteger('reviewersPerFile', options.reviewersPerFile, 1);
  const quota = options.maxReviewsPerAgent ?? Infinity;
  if (quota !== Infinity) positiveInteger('maxReviewsPerAgent', quota, 1);
  const ttlMs = options.traceTtlMs ?? 10 * 60_000;
  checkTtl(ttlMs, 'traceTtlMs');
  const agents =
    typeof options.agents === 'number'
      ? Array.from({ length: positiveInteger('agents', options.agents, 1) }, (_, i) => `reviewer-${i + 1}`)
      : [...options.agents];
  if (agents.length === 0 || new Set(agents).size !== agents.length) {
    invalid('agents', 'A review swarm needs at least one agent, with distinct names.');
  }
  const envFor = typeof options.env === 'function' ? options.env : () => options.env as StigmergyEnvironment;
  const atomic = (options.claim ?? 'atomic') === 'atomic';
  const seed = options.seed ?? 1;
  const { signal } = options;

  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const result: ReviewSwarmResult<R> = {
    reviews: [],
    failures: [],
    reviewsPerFile: new Map(),
    duplicates: 0,
    duplicateRate: 0,
    coverage: 0,
    skipped: 0,
    makespanMs: 0,
  };

  const runAgent = async (agent: string, index: number): Promise<void> => {
    const env = envFor(agent);
    const order = shuffled(options.files, seededRandom(seed * 7_919 + index));
    let done = 0;
    for (const file of order) {
      if (signal?.aborted) throw new AbortedError('The review swarm was aborted.', { cause: signal.reason });
      if (done >= quota) return;
      // Sensing first is cheap and avoids a deposit-and-withdraw on files that are clearly taken.
      if ((await env.strength(file, REVIEWING)) >= reviewersPerFile) {
        result.skipped += 1;
        continue;
      }
      const position = await env.deposit(file, REVIEWING, 1, { ttlMs });
      if (atomic && position > reviewersPerFile) {
        await env.deposit(file, REVIEWING, -1, { ttlMs });
        result.skipped += 1;
        continue;
      }
      const startedMs = elapsed();
      let outcome: R;
      try {
        outcome = await options.review(file, agent);
      } catch (error) {
        result.failures.push({ file, agent, error });
        await env.deposit(file, REVIEWING, -1, { ttlMs }); // free the place for a later swarm
        continue;
      }
      done += 1;
      result.reviews.push({ file, agent, result: outcome, startedMs, finishedMs: elapsed() });
      result.reviewsPerFile.set(file, (result.reviewsPerFile.get(file) ?? 0) + 1);
      if (outcome.issues > 0) await env.deposit(file, ISSUES_FOUND, outcome.issues, { ttlMs });
    }
  };

  await Promise.all(agents.map(runAgent));
  result.makespanMs = elapsed();
  let covered = 0;
  for (const count of result.reviewsPerFile.values()) {
    result.duplicates += Math.max(0, count - reviewersPerFile);
    if (count >= reviewersPerFile) covered += 1;
  }
  const distinctFiles = new Set(options.files).size;
  result.coverage = distinctFiles === 0 ? 1 : covered / distinctFiles;
  result.duplicateRate = result.reviews.length === 0 ? 0 : result.duplicates / result.reviews.length;
  return result;
}
