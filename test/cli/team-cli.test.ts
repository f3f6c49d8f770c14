import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { teamDemoScript } from '../../src/cli/commands/demo-team.js';
import { SimModelServer } from '../../src/testing/index.js';
import { cleanEnv, runCli } from './run-cli.js';

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
