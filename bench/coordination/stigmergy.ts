/**
 * Review swarm with and without stigmergy: N review agents over M files on the simulated model, every
 * review an LLM call through a real Kernel to a SimModelServer with fixed per-token latency.
 *
 * Arms: a shared in-process environment with atomic claims (Hydra's default), the same on Redis (one
 * connection per agent, as if each were its own process; only when REDIS_URL is set), classic sense-then-
 * deposit stigmergy (racy), and no shared environment: every agent sees only its own traces and reviews its
 * fair share (files × reviewersPerFile / agents) of files, the best it can do without knowing what others
 * took. Standalone: `npx tsx bench/coordination/stigmergy.ts`.
 */
import { pathToFileURL } from 'node:url';

import { Redis } from 'ioredis';

import {
  InProcessStigmergy,
  RedisStigmergy,
  reviewSwarm,
  type ReviewSwarmOptions,
  type StigmergyEnvironment,
} from '../../src/coordination/swarm/index.js';
import { Kernel, type AgentHandle } from '../../src/kernel/index.js';
import { createModelProvider } from '../../src/models/index.js';
import { SimModelServer } from '../../src/testing/index.js';
import { printSummary, printTable } from '../lib/report.js';

export interface StigmergyBenchOptions {
  agents?: number;
  files?: number;
  reviewersPerFile?: number;
  seed?: number;
  /** Simulated decode latency per output token (default 0.5 ms) and reply length (default 24 tokens). */
  decodeMsPerToken?: number;
  replyTokens?: number;
  /** Concurrent generations of the simulated endpoint and the kernel's backend (default 8). */
  slots?: number;
  /** Redis for the Redis arm (default process.env.REDIS_URL; the arm is left out without one). */
  redisUrl?: string | undefined;
  /** Also run the baseline where every agent reviews every file (agents × files calls; default true). */
  fullPassBaseline?: boolean;
}

export interface StigmergyBenchResult {
  rows: Array<Record<string, string | number>>;
  summary: {
    stigmergy_duplicate_rate: number;
    duplicate_rate_without: number;
    makespan_ms_with: number;
    makespan_ms_without: number;
    coverage_with: number;
    coverage_without: number;
    sense_only_duplicate_rate: number;
    redis_duplicate_rate: number | null;
    /** Makespan of the no-stigmergy baseline that does reach full coverage (null when not run). */
    makespan_ms_without_full_coverage: number | null;
    target_met: boolean;
  };
}

type Arm = Pick<ReviewSwarmOptions<{ issues: number }>, 'env' | 'claim' | 'maxReviewsPerAgent'>;

export async function stigmergyBench(options: StigmergyBenchOptions = {}): Promise<StigmergyBenchResult> {
  const agents = options.agents ?? 10;
  const fileCount = options.files ?? 200;
  const reviewersPerFile = options.reviewersPerFile ?? 1;
  const seed = options.seed ?? 1;
  const slots = options.slots ?? 8;
  const redisUrl = options.redisUrl ?? process.env['REDIS_URL'];
  const files = Array.from({ length: fileCount }, (_, i) => `src/module-${String(i).padStart(4, '0')}.ts`);

  // Files ending in 7 "have issues": a scripted reply the review parses, standing in for a model's verdict.
  const sim = new SimModelServer({
    seed,
    slots,
    defaultReplyTokens: options.replyTokens ?? 24,
    latency: { decodeMsPerToken: options.decodeMsPerToken ?? 0.5, prefillMsPerToken: 0.01 },
    rules: [
      {
        match: { lastUser: '7\\.ts' },
        reply: { text: 'ISSUES: 2 (unchecked input)', completionTokens: options.replyTokens ?? 24 },
      },
    ],
  });
  const { url } = await sim.start(0);
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries: 0 },
  });
  const connections: Redis[] = [];
  const rows: Array<Record<string, string | number>> = [];
  const results = new Map<string, Awaited<ReturnType<typeof reviewSwarm>>>();

  const runArm = async (name: string, arm: Arm, list = files): Promise<void> => {
    sim.reset();
    const kernel = new Kernel({ backends: [{ provider, slots }] });
    const handles = new Map<string, AgentHandle>();
    try {
      const result = await reviewSwarm({
        ...arm,
        files: list,
        agents,
        reviewersPerFile,
        seed,
        review: async (file, agent) => {
          let handle = handles.get(agent);
          if (!handle) handles.set(agent, (handle = await kernel.acquireAgent(agent)));
          const reply = await handle.chat({
            messages: [
              { role: 'system', content: 'You review TypeScript files. Answer "ISSUES: <n>" then notes.' },
              { role: 'user', content: `Review ${file}.` },
            ],
            maxTokens: 64,
          });
          return { issues: Number(reply.message.content.match(/ISSUES: (\d+)/)?.[1] ?? 0) };
        },
      });
      results.set(name, result);
      rows.push({
        arm: name,
        agents,
        files: fileCount,
        reviews: result.reviews.length,
        llm_calls: sim.stats().requests.byEndpoint.chatCompletions,
        duplicates: result.duplicates,
        duplicate_rate: result.duplicateRate,
        coverage: result.coverage,
        skipped: result.skipped,
        issues_found: result.reviews.reduce((sum, review) => sum + review.result.issues, 0),
        makespan_ms: Math.round(result.makespanMs),
      });
    } finally {
      for (const handle of handles.values()) handle.release();
      await kernel.close();
    }
  };

  try {
    // Warm-up (JIT, HTTP keep-alive) so the first measured arm is not charged for it; not reported.
    await runArm('warm-up', { env: new InProcessStigmergy() }, files.slice(0, Math.min(40, fileCount)));
    rows.length = 0;
    await runArm('stigmergy (atomic claim)', { env: new InProcessStigmergy() });
    if (redisUrl) {
      const prefix = `hydra-bench:stigmergy:${process.pid}-${Date.now()}`;
      const envs = new Map<string, StigmergyEnvironment>();
      await runArm('stigmergy on redis', {
        env: (agent) => {
          let env = envs.get(agent);
          if (!env) {
            const redis = new Redis(redisUrl);
            connections.push(redis);
            envs.set(agent, (env = new RedisStigmergy(redis, { prefix })));
          }
          return env;
        },
      });
      if (connections[0]) await new RedisStigmergy(connections[0], { prefix }).clear();
    }
    await runArm('stigmergy (sense only)', { env: new InProcessStigmergy(), claim: 'sense' });
    await runArm('none (fair share)', {
      env: () => new InProcessStigmergy(),
      maxReviewsPerAgent: Math.ceil((fileCount * reviewersPerFile) / agents),
    });
    // The only way to be sure every file is covered without a shared environment: everyone reviews all.
    if (options.fullPassBaseline ?? true)
      await runArm('none (everyone reviews all)', { env: () => new InProcessStigmergy() });
  } finally {
    await Promise.all(connections.map((redis) => redis.quit()));
    await sim.stop();
  }

  const get = (name: string): Awaited<ReturnType<typeof reviewSwarm>> => {
    const result = results.get(name);
    if (!result) throw new Error(`arm ${name} did not run`);
    return result;
  };
  const withStigmergy = get('stigmergy (atomic claim)');
  const without = get('none (fair share)');
  return {
    rows,
    summary: {
      stigmergy_duplicate_rate: withStigmergy.duplicateRate,
      duplicate_rate_without: without.duplicateRate,
      makespan_ms_with: Math.round(withStigmergy.makespanMs),
      makespan_ms_without: Math.round(without.makespanMs),
      coverage_with: withStigmergy.coverage,
      coverage_without: without.coverage,
      sense_only_duplicate_rate: get('stigmergy (sense only)').duplicateRate,
      redis_duplicate_rate: results.get('stigmergy on redis')?.duplicateRate ?? null,
      makespan_ms_without_full_coverage: rounded(results.get('none (everyone reviews all)')?.makespanMs),
      target_met: withStigmergy.duplicateRate <= 0.05 && withStigmergy.coverage === 1,
    },
  };
}

const rounded = (ms: number | undefined): number | null => (ms === undefined ? null : Math.round(ms));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { rows, summary } = await stigmergyBench();
  printTable('Review swarm: 10 agents, 200 files, with and without stigmergy (simulated model)', rows);
  printSummary('coordination-stigmergy', summary);
}
