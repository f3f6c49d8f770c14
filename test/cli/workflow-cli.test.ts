import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cleanEnv, runCli } from './run-cli.js';

const HYDRA = resolve(import.meta.dirname, '../../dist/index.js');
let cwd: string;
const env = cleanEnv();

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'hydra-workflow-cli-'));
  await writeFile(
    join(cwd, 'release.ts'),
    `import { END, Graph, reducers, START, z } from ${JSON.stringify(HYDRA)};

const State = z.object({ version: z.string(), trail: z.array(z.string()).default([]) });
export default new Graph('release', State, { trail: reducers.append<string>() })
  .node('build', (state) => ({ trail: ['built ' + state.version] }))
  .node('push', async (state, context) => {
    const decision = await context.approval({ action: 'git_push', payload: { tag: state.version } });
    return { trail: [decision.approved ? 'pushed' : 'held back: ' + (decision.note ?? '')] };
  })
  .node('announce', () => ({ trail: ['announced'] }))
  .edge(START, 'build')
  .edge('build', 'push')
  .edge('push', 'announce')
  .edge('announce', END)
  .compile();
`,
  );
  await writeFile(join(cwd, 'hydra.config.json'), JSON.stringify({ workflows: ['release.ts'] }));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('hydra workflow, approvals and runs', () => {
  let runId = '';

  it('runs a workflow to its approval gate and says how to decide', async () => {
    const result = await runCli(['workflow', 'run', 'release.ts', '--input', '{"version": "v1.2.0"}'], {
      cwd,
      env,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/paused for approval approval-\S+: git_push \{"tag":"v1.2.0"\}/);
    expect(result.stderr).toMatch(/hydra approvals approve approval-\S+ --hash [0-9a-f]{64}/);
    runId = /run (wf-[0-9a-f-]+) waiting/.exec(result.stderr)?.[1] ?? '';
    expect(runId).not.toBe('');
  });

  it('refuses a decision with the wrong hash, then approves once and finishes', async () => {
    const [approval] = JSON.parse(
      (await runCli(['approvals', 'list', '--json'], { cwd, env })).stdout,
    ) as Array<{ id: string; hash: string; action: string }>;
    expect(approval?.action).toBe('git_push');
    const forged = await runCli(['approvals', 'approve', approval?.id ?? '', '--hash', '0'.repeat(64)], {
      cwd,
      env,
    });
    expect(forged.code).toBe(2);
    expect(forged.stderr).toMatch(/hash does not match/);
    const approved = await runCli(
      ['approvals', 'approve', approval?.id ?? '', '--hash', approval?.hash ?? '', '--by', 'ada', '--json'],
      { cwd, env },
    );
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({
      status: 'done',
      state: { trail: ['built v1.2.0', 'pushed', 'announced'] },
    });
    const replay = await runCli(
      ['approvals', 'approve', approval?.id ?? '', '--hash', approval?.hash ?? ''],
      { cwd, env },
    );
    expect(replay.code).toBe(2);
    expect(replay.stderr).toMatch(/already decided/);
  });

  it('shows history and state, forks from a step, and rolls back', async () => {
    const history = JSON.parse(
      (await runCli(['runs', 'history', runId, '--json'], { cwd, env })).stdout,
    ) as Array<{ step: number; nodes: string[] }>;
    expect(history.map((entry) => entry.nodes)).toEqual([[], ['build'], ['push'], ['announce']]);
    const atOne = JSON.parse(
      (await runCli(['runs', 'history', runId, '--state', '1'], { cwd, env })).stdout,
    ) as { trail: string[] };
    expect(atOne.trail).toEqual(['built v1.2.0']);
    const forkId = (
      await runCli(['runs', 'fork', runId, '--step', '1', '--edit', '{"version": "v9"}'], { cwd, env })
    ).stdout.trim();
    expect(forkId).toMatch(/^wf-/);
    const listed = JSON.parse((await runCli(['runs', 'list', '--json'], { cwd, env })).stdout) as Array<{
      id: string;
      kind: string;
    }>;
    expect(listed.filter((run) => run.kind === 'workflow').map((run) => run.id)).toEqual(
      expect.arrayContaining([runId, forkId]),
    );
    expect((await runCli(['runs', 'rollback', runId, '--step', '2'], { cwd, env })).code).toBe(0);
    const resumed = await runCli(['runs', 'resume', runId, '--json'], { cwd, env });
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'done',
      state: { trail: ['built v1.2.0', 'pushed', 'announced'] },
    });
  });

  it('rejects bad input naming the problem', async () => {
    const result = await runCli(['workflow', 'run', 'release.ts', '--input', '{"version": 3}'], { cwd, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/version/);
  });
});
