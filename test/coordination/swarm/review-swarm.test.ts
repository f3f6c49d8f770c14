import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import {
  InProcessStigmergy,
  ISSUES_FOUND,
  RedisStigmergy,
  REVIEWING,
  reviewSwarm,
  type StigmergyEnvironment,
} from '../../../src/coordination/swarm/index.js';
import { HydraError } from '../../../src/errors/index.js';
import { Kernel } from '../../../src/kernel/index.js';
import { createModelProvider } from '../../../src/models/index.js';
import { SimModelServer } from '../../../src/testing/index.js';

const files = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `src/file-${String(i).padStart(3, '0')}.ts`);

/** A review that takes a few ms (varying per file, so agents drift apart) and finds issues in some files. */
async function slowReview(file: string): Promise<{ issues: number }> {
  const n = Number(file.match(/\d+/)?.[0] ?? 0);
  await sleep(1 + (n % 4));
  return { issues: n % 3 };
}

describe('reviewSwarm', () => {
  it('with stigmergy every file is reviewed once, with no duplicates, and the traces say so', async () => {
    const env = new InProcessStigmergy();
    const list = files(60);
    const result = await reviewSwarm({ env, files: list, agents: 6, review: slowReview, seed: 3 });
    expect(result.duplicates).toBe(0);
    expect(result.coverage).toBe(1);
    expect(result.reviews).toHaveLength(60);
    expect(new Set(result.reviews.map((review) => review.agent)).size).toBeGreaterThan(1); // the work was shared
    for (const file of list) {
      const n = Number(file.match(/\d+/)?.[0]);
      expect(await env.strength(file, REVIEWING)).toBe(1);
      expect(await env.strength(file, ISSUES_FOUND)).toBe(n % 3);
    }
  });

  it('reviewersPerFile > 1 gets exactly that many reviews per file', async () => {
    const result = await reviewSwarm({
      env: new InProcessStigmergy(),
      files: files(30),
      agents: ['ana', 'bo', 'cy', 'di', 'ed'],
      reviewersPerFile: 2,
      review: slowReview,
    });
    expect(result.duplicates).toBe(0);
    expect([...result.reviewsPerFile.values()]).toEqual(Array.from({ length: 30 }, () => 2));
    // No agent reviews the same file twice.
    const pairs = result.reviews.map((review) => `${review.agent} ${review.file}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('atomic claims close the race that sensing alone leaves open', async () => {
    // Two agents reach the one file at the same moment: both sense nothing there.
    const run = (claim: 'atomic' | 'sense') =>
      reviewSwarm({ env: new InProcessStigmergy(), files: ['a.ts'], agents: 2, claim, review: slowReview });
    expect((await run('sense')).duplicates).toBe(1);
    const atomic = await run('atomic');
    expect(atomic.duplicates).toBe(0);
    expect(atomic.skipped).toBe(1);
  });

  it('without a shared environment agents duplicate work (the baseline)', async () => {
    const result = await reviewSwarm({
      env: () => new InProcessStigmergy(), // each agent sees only its own traces
      files: files(40),
      agents: 4,
      maxReviewsPerAgent: 10,
      review: slowReview,
    });
    expect(result.reviews).toHaveLength(40);
    expect(result.duplicates).toBeGreaterThan(0);
    expect(result.coverage).toBeLessThan(1);
  });

  it('a failed review is reported and its claim withdrawn', async () => {
    const env = new InProcessStigmergy();
    const result = await reviewSwarm({
      env,
      files: ['ok.ts', 'bad.ts'],
      agents: 1,
      review: async (file) => {
        if (file === 'bad.ts') throw new Error('model down');
        return { issues: 0 };
      },
    });
    expect(result.failures.map((failure) => failure.file)).toEqual(['bad.ts']);
    expect(await env.strength('bad.ts', REVIEWING)).toBe(0);
    expect(await env.strength('ok.ts', REVIEWING)).toBe(1);
    expect(result.coverage).toBe(0.5);
  });

  it('an abort stops the swarm with AbortedError; bad options are invalid_input', async () => {
    const controller = new AbortController();
    const swarm = reviewSwarm({
      env: new InProcessStigmergy(),
      files: files(50),
      agents: 2,
      review: async (file) => {
        controller.abort();
        return slowReview(file);
      },
      signal: controller.signal,
    });
    await expect(swarm).rejects.toMatchObject({ code: 'aborted' });
    const env = new InProcessStigmergy();
    for (const bad of [{ agents: 0 }, { agents: ['a', 'a'] }, { reviewersPerFile: 0 }, { traceTtlMs: 0 }]) {
      const error = await reviewSwarm({ env, files: ['f'], agents: 1, review: slowReview, ...bad }).catch(
        (caught: unknown) => caught,
      );
      expect(HydraError.isInstance(error) && error.code).toBe('invalid_input');
    }
  });

  it('reviews through a real kernel on the simulated model', async () => {
    const sim = new SimModelServer({
      rules: [{ match: { lastUser: 'file-00[0-4]' }, reply: { text: 'ISSUES: 2' } }],
      defaultReplyTokens: 8,
      latency: { decodeMsPerToken: 1 },
    });
    const { url } = await sim.start(0);
    const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
      settings: { maxRetries: 0 },
    });
    const kernel = new Kernel({ backends: [{ provider, slots: 4 }] });
    try {
      const result = await reviewSwarm({
        env: new InProcessStigmergy(),
        files: files(16),
        agents: 4,
        review: async (file, agent) => {
          const handle = await kernel.acquireAgent(`${agent}:${file}`);
          try {
            const reply = await handle.chat({
              messages: [{ role: 'user', content: `Review ${file}` }],
              maxTokens: 16,
            });
            return { issues: Number(reply.message.content.match(/ISSUES: (\d+)/)?.[1] ?? 0) };
          } finally {
            handle.release();
          }
        },
      });
      expect(result.duplicates).toBe(0);
      expect(result.coverage).toBe(1);
      expect(result.reviews.filter((review) => review.result.issues === 2)).toHaveLength(5);
      expect(sim.stats().requests.byEndpoint.chatCompletions).toBe(16); // one model call per file
    } finally {
      await kernel.close();
      await sim.stop();
    }
  });
});

const { REDIS_URL } = process.env;
if (!REDIS_URL) {
  console.warn('reviewSwarm on Redis — skipped: REDIS_URL not set — run npm run services:start');
  describe.skip('reviewSwarm on Redis', () => {
    it('skipped: REDIS_URL not set', () => undefined);
  });
} else {
  describe('reviewSwarm on Redis', () => {
    const prefix = `hydra-test:review:${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const connections: Redis[] = [];
    afterAll(async () => {
      if (connections[0]) await new RedisStigmergy(connections[0], { prefix }).clear();
      await Promise.all(connections.map((redis) => redis.quit()));
    });

    it('agents on separate connections (as if separate processes) never duplicate a review', async () => {
      const envs = new Map<string, StigmergyEnvironment>();
      const envFor = (agent: string): StigmergyEnvironment => {
        let env = envs.get(agent);
        if (!env) {
          const redis = new Redis(REDIS_URL);
          connections.push(redis);
          envs.set(agent, (env = new RedisStigmergy(redis, { prefix })));
        }
        return env;
      };
      const result = await reviewSwarm({
        env: envFor,
        files: files(80),
        agents: 8,
        reviewersPerFile: 2,
        review: slowReview,
      });
      expect(result.duplicates).toBe(0);
      expect(result.coverage).toBe(1);
      expect(result.reviews).toHaveLength(160);
    });
  });
}
