import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { SimModelServer } from '../../src/testing/index.js';
import { cleanEnv, HYDRA_BIN, runCli } from './run-cli.js';
import { spawn } from 'node:child_process';

let cwd: string;
let sim: SimModelServer;
let env: Record<string, string>;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'hydra-resume-'));
  sim = new SimModelServer({
    rules: [
      {
        match: { afterToolResult: false },
        reply: { toolCalls: [{ name: 'current_time', arguments: { timezone: 'UTC' } }] },
      },
      // The second model call hangs the first time: the process is killed while waiting for it.
      { match: { afterToolResult: true }, times: 1, reply: { fault: 'hang' } },
      { match: { afterToolResult: true }, reply: { text: 'It is {{lastToolResult}}' } },
    ],
  });
  const { url } = await sim.start(0);
  env = cleanEnv({ HYDRA_MODEL: `openai-compatible:${url}#sim-model` });
});
afterAll(async () => {
  await sim.stop();
  await rm(cwd, { recursive: true, force: true });
});

it('resumes a run whose process was killed mid-run, from its last stored step', async () => {
  const child = spawn(process.execPath, [HYDRA_BIN, 'run', 'What time is it?'], { cwd, env });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  await expect.poll(() => sim.stats().active, { timeout: 20_000 }).toBe(1); // the hanging second call
  child.kill('SIGKILL');
  await exited;

  const interrupted = JSON.parse(
    (await runCli(['runs', 'list', '--status', 'running', '--json'], { cwd, env })).stdout,
  ) as Array<{ id: string; steps: number }>;
  expect(interrupted).toHaveLength(1);
  expect(interrupted[0]?.steps).toBe(1);
  const before = sim.stats().requests.byEndpoint.chatCompletions;

  const resumed = await runCli(['run', '--resume', interrupted[0]?.id ?? '', '--json'], { cwd, env });
  expect(resumed.code).toBe(0);
  expect(JSON.parse(resumed.stdout)).toMatchObject({ ok: true, stopReason: 'answer', steps: 2 });
  expect((JSON.parse(resumed.stdout) as { answer: string }).answer).toMatch(/^It is \{"timezone":"UTC"/);
  // Only the interrupted call was made again; the first step and its tool call were not.
  expect(sim.stats().requests.byEndpoint.chatCompletions - before).toBe(1);
  const shown = JSON.parse(
    (await runCli(['runs', 'show', interrupted[0]?.id ?? '', '--json'], { cwd, env })).stdout,
  ) as { status: string; messages: unknown[] };
  expect(shown).toMatchObject({ status: 'answer' });
  expect(shown.messages).toHaveLength(4);
});
