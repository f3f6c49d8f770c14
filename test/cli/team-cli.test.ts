import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';

import { teamDemoScript } from '../../src/cli/commands/demo-team.js';
import { SimModelServer } from '../../src/testing/index.js';
import { cleanEnv, HYDRA_BIN, runCli } from './run-cli.js';

let cwd: string;
let sim: SimModelServer;
let env: Record<string, string>;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'hydra-team-cli-'));
  // The demo's script: a composite goal planned into four subtasks, then aggregated.
  sim = new SimModelServer(teamDemoScript(0));
  const { url } = await sim.start(0);
  env = cleanEnv({ HYDRA_MODEL: `openai-compatible:${url}#sim-model` });
});
afterAll(async () => {
  await sim.stop();
  await rm(cwd, { recursive: true, force: true });
});

describe('hydra demo --team', () => {
  it('plans, runs independent subtasks in parallel and aggregates, on the simulated model', async () => {
    const result = await runCli(['demo', '--team', '--token-delay-ms', '5'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/SCRIPTED/);
    expect(result.stderr).toMatch(/root: planned market, rivals, prices, draft/);
    expect(result.stderr).toMatch(/✓ done {2}\[draft\] Draft the report .*after market, rivals, prices/);
    expect(result.stderr).toMatch(/at most [2-4] at once/);
    expect(result.stdout).toMatch(/^Market report — electric bikes/);
  });
});

describe('hydra run --team', () => {
  it('recursive: runs the tree on the configured model, persists it, and hydra tasks shows it', async () => {
    const run = await runCli(
      ['run', '--team', 'recursive', '--json', 'Write a short market report on electric bikes'],
      {
        cwd,
        env,
      },
    );
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { treeId: string; status: string; result: string };
    expect(result).toMatchObject({ status: 'done' });
    expect(result.result).toMatch(/^Market report/);
    const tree = await runCli(['tasks', 'tree', result.treeId], { cwd, env });
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(/5\/5 done/);
    expect(tree.stdout).toMatch(/\[prices\] Compare the prices of the main makers/);
    const list = await runCli(['tasks', 'list', '--json'], { cwd, env });
    expect(JSON.parse(list.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: result.treeId, status: 'done' })]),
    );
  });

  it('recursive: Ctrl-C stops the tree with a hint, and --tree continues it without redoing finished work', async () => {
    const slow = new SimModelServer(teamDemoScript(20)); // ~0.5-1 s per call: time to interrupt
    const { url } = await slow.start(0);
    try {
      const slowEnv = cleanEnv({ HYDRA_MODEL: `openai-compatible:${url}#sim-model` });
      const child = spawn(
        process.execPath,
        [HYDRA_BIN, 'run', '--team', 'recursive', 'Write a short market report on electric bikes'],
        {
          cwd,
          env: slowEnv,
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await expect.poll(() => stderr, { timeout: 20_000 }).toMatch(/root: planned/);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      const treeId = /continue it with: hydra run --team recursive --tree (tree-\S+)/.exec(stderr)?.[1];
      expect(treeId).toBeDefined();
      const before = slow.stats().requests.byEndpoint.chatCompletions;
      const resumed = await runCli(['run', '--team', 'recursive', '--tree', treeId ?? '', '--json'], {
        cwd,
        env: slowEnv,
      });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ treeId, status: 'done' });
      // A clean run makes 11 calls; the resumed process made only what was left (root was not re-planned).
      const after = slow.stats().requests.byEndpoint.chatCompletions - before;
      expect(before + after).toBeLessThanOrEqual(11 + 4); // at most the calls in flight at Ctrl-C again
      expect(after).toBeLessThan(11);
    } finally {
      await slow.stop();
    }
  });

  it('an unknown team is refused before anything runs, naming the choices', async () => {
    const result = await runCli(['run', '--team', 'crew:sales', 'sell things'], { cwd, env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/research/);
    const other = await runCli(['run', '--team', 'swarm', 'x'], { cwd, env });
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/recursive .*crew:<research\|development\|infrastructure>/);
  });

  it('crew:research runs the ready-made crew with one progress line per task', async () => {
    const result = await runCli(['run', '--team', 'crew:research', 'What do the notes say about caching?'], {
      cwd,
      env,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/crew research finished/);
    expect(result.stdout.trim().length).toBeGreaterThan(0);
  });
});
