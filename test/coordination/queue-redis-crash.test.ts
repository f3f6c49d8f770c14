/**
 * RedisTaskQueue across processes and Redis failures: a worker process SIGKILLed while holding a task
 * (the task comes back after its visibility timeout and is processed once), and a private redis-server
 * killed and restarted mid-test (calls fail with a typed error instead of hanging, the client reconnects,
 * and nothing that was acknowledged is lost).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { RedisTaskQueue } from '../../src/coordination/queue/index.js';
import {
  deletePrefix,
  expectCode,
  OwnRedis,
  redisUrlOrWarn,
  uniqueSuffix,
  waitFor,
} from './coordination-support.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER = join(root, 'test/coordination/fixtures/queue-worker.ts');
const scratch = mkdtempSync(join(tmpdir(), 'hydra-queue-crash-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts the fixture worker; resolves with its pid and claimed task id once it holds the task. */
async function startWorker(args: string[]): Promise<{ kill(): Promise<void>; claimed: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise((done) => child.once('exit', done));
  await waitFor(() => /claimed \S+/.test(stdout) || child.exitCode !== null, 'the worker to claim', 30_000);
  const claimed = /claimed (\S+)/.exec(stdout)?.[1];
  if (!claimed) throw new Error(`worker did not claim: ${stdout} ${stderr}`);
  return {
    claimed,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

const url = redisUrlOrWarn('RedisTaskQueue crash tests');

describe.skipIf(!url)('RedisTaskQueue: a worker killed while holding a task', () => {
  for (const mode of ['hang', 'effect'] as const) {
    it(`the task comes back after the visibility timeout and is processed once (${mode})`, async () => {
      const redisUrl = url ?? '';
      const prefix = `hydra-test:queue-crash:${uniqueSuffix()}:`;
      const log = join(scratch, `${mode}-${uniqueSuffix()}.log`);
      const queue = new RedisTaskQueue({ redis: redisUrl, prefix, pollIntervalMs: 10 });
      try {
        const { task } = await queue.enqueue({
          target: { capability: 'crunch' },
          kind: 'crunch',
          idempotencyKey: `job-${mode}`,
        });
        const worker = await startWorker([redisUrl, prefix, mode, log, '300']);
        expect(worker.claimed).toBe(task.id);
        await worker.kill();
        expect((await queue.get(task.id))?.state).toBe('claimed');

        // A second worker (this process) gets it once the dead worker's claim times out.
        const again = await queue.claim({ worker: 'survivor', capabilities: ['crunch'], waitMs: 20_000 });
        expect(again).toMatchObject({ id: task.id, attempts: 2 });
        expect(again?.lastError).toMatch(/visibility timeout/);
        if (!again) throw new Error('no claim');
        const outcome = await queue.once(`effect:job-${mode}`, () => {
          // Runs only if the killed worker had not applied (and recorded) the effect.
          appendFileSync(log, `applied ${task.id} by survivor\n`);
          return { by: 'survivor' };
        });
        await queue.ack(again, outcome.value);
        const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
        expect(lines).toHaveLength(1);
        expect(outcome.applied).toBe(mode === 'hang');
        expect((await queue.get(task.id))?.state).toBe('done');
        expect(
          await queue.claim({ worker: 'survivor', capabilities: ['crunch'], waitMs: 400 }),
        ).toBeUndefined();
      } finally {
        await queue.close();
        await deletePrefix(redisUrl, prefix);
      }
    });
  }
});

const REDIS_SERVER = '/usr/bin/redis-server';
const serverAvailable = existsSync(REDIS_SERVER);
if (!serverAvailable) console.warn(`RedisTaskQueue restart test — skipped: ${REDIS_SERVER} is not installed`);

describe.skipIf(!serverAvailable)(
  'RedisTaskQueue: Redis killed and restarted mid-test (a private redis-server, appendfsync always)',
  () => {
    it('calls fail with a typed error, the client reconnects, and nothing acknowledged is lost', async () => {
      const server = await OwnRedis.start();
      const queue = new RedisTaskQueue({ redis: server.url, pollIntervalMs: 10, operationTimeoutMs: 3_000 });
      try {
        const enqueued = [];
        for (const n of [1, 2, 3]) {
          enqueued.push(
            (await queue.enqueue({ target: { agent: 'a' }, kind: `t${n}`, idempotencyKey: `k${n}` })).task,
          );
        }
        const first = await queue.claim({ worker: 'w', agent: 'a', visibilityTimeoutMs: 60_000 });
        if (!first) throw new Error('no claim');
        await queue.ack(first, { ok: 1 });
        const held = await queue.claim({ worker: 'w', agent: 'a', visibilityTimeoutMs: 60_000 });
        if (!held) throw new Error('no claim');

        await server.kill();
        const down = await expectCode(
          queue.enqueue({ target: { agent: 'a' }, kind: 'during outage' }),
          'provider_unavailable',
          { reason: 'unavailable', retryable: true },
        );
        expect(down.message).toMatch(/Redis/);
        await expectCode(queue.claim({ worker: 'w', agent: 'a' }), 'provider_unavailable');

        await server.resume();
        // The same queue object reconnects by itself; the first calls after the restart may still fail.
        await waitFor(
          async () => (await queue.get(first.id).catch(() => undefined)) !== undefined,
          'reconnection',
        );
        expect(await queue.get(first.id)).toMatchObject({ state: 'done', result: { ok: 1 } });
        expect(await queue.get(held.id)).toMatchObject({ state: 'claimed', claimedBy: 'w' });
        expect(await queue.ack(held)).toEqual({ duplicate: false });
        const third = await queue.claim({ worker: 'w', agent: 'a' });
        expect(third?.id).toBe(enqueued[2]?.id);
        // Idempotency keys survived too: re-enqueueing k1 does not create a second task.
        expect(
          await queue.enqueue({ target: { agent: 'a' }, kind: 't1', idempotencyKey: 'k1' }),
        ).toMatchObject({
          created: false,
          task: { id: enqueued[0]?.id },
        });
        expect((await queue.enqueue({ target: { agent: 'a' }, kind: 'after' })).created).toBe(true);
      } finally {
        await queue.close();
        await server.stop();
      }
    });
  },
);
