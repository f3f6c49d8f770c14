import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { SimModelServer } from '../../src/testing/index.js';
import { cleanEnv, runCli, startCli } from './run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'hydra-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('hydra demo', () => {
  it('runs an agent on the simulated model, says the replies are scripted, and streams the answer', async () => {
    const result = await runCli(['demo', '--token-delay-ms', '0'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/SCRIPTED/);
    expect(result.stderr).toMatch(/→ current_time \{"timezone":"UTC"\}/);
    expect(result.stdout).toMatch(/The current_time tool reports \{"timezone":"UTC","iso":"\d{4}-/);
    expect(result.stderr).toMatch(/Simulated server counters: 2 chat requests/);
  });

  it('prints one JSON result with --json', async () => {
    const result = await runCli(['demo', '--json', '--token-delay-ms', '0'], { cwd });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as {
      ok: boolean;
      steps: number;
      stopReason: string;
      usage: { totalTokens: number };
    };
    expect(body).toMatchObject({ ok: true, steps: 2, stopReason: 'answer' });
    expect(body.usage.totalTokens).toBeGreaterThan(0);
  });
});

describe('hydra run', () => {
  let sim: SimModelServer;
  let modelEnv: Record<string, string>;
  beforeAll(async () => {
    sim = new SimModelServer({
      rules: [
        {
          match: { lastUser: 'notes', afterToolResult: false },
          reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'notes.txt' } }] },
        },
        { match: { toolResultFrom: 'read_file' }, reply: { text: 'Your notes say: {{lastToolResult}}' } },
        { match: { lastUser: 'capital' }, reply: { text: 'Paris is the capital of France.' } },
      ],
    });
    const { url } = await sim.start(0);
    modelEnv = cleanEnv({ HYDRA_MODEL: `openai-compatible:${url}#sim-model` });
    await writeFile(join(cwd, 'notes.txt'), 'buy more coffee');
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('streams the answer of the configured model to stdout', async () => {
    const result = await runCli(['run', 'What is the capital of France?'], { cwd, env: modelEnv });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('Paris is the capital of France.');
    expect(result.stderr).toMatch(/running on openai-compatible:http:\/\/127\.0\.0\.1:\d+\/v1#sim-model/);
  });

  it('runs the tools the model asks for and feeds the results back', async () => {
    const result = await runCli(['run', 'Read my notes'], { cwd, env: modelEnv });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('→ read_file {"path":"notes.txt"}');
    expect(result.stdout.trim()).toBe('Your notes say: buy more coffee');
  });

  it('takes the model from --model and prints JSON with --json', async () => {
    const env = cleanEnv();
    const model = modelEnv['HYDRA_MODEL'] ?? '';
    const result = await runCli(['run', 'capital of France?', '--model', model, '--json'], { cwd, env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      answer: 'Paris is the capital of France.',
      model,
    });
  });

  it('says how to configure a model when none is set, with exit code 78', async () => {
    const result = await runCli(['run', 'anything'], { cwd, env: cleanEnv() });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('No model is configured');
    expect(result.stderr).toContain('HYDRA_MODEL=openai:gpt-4o-mini');
    expect(result.stderr).toContain('hydra demo');
  });

  it('names the invalid field of a bad config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hydra-cli-config-'));
    await writeFile(join(dir, 'hydra.config.json'), JSON.stringify({ agent: { maxSteps: -1 } }));
    const result = await runCli(['run', 'anything'], { cwd: dir, env: modelEnv });
    await rm(dir, { recursive: true, force: true });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/hydra\.config\.json: agent\.maxSteps/);
  });

  it('exits 69 when the model server is unreachable', async () => {
    const env = cleanEnv({ HYDRA_MODEL: 'openai-compatible:http://127.0.0.1:9/v1#gone' });
    const result = await runCli(['run', 'hello'], { cwd, env });
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/Could not connect/);
  });
});

describe('hydra doctor', () => {
  it('reports each check as JSON and warns when no model is set', async () => {
    const result = await runCli(['doctor', '--json'], { cwd, env: cleanEnv() });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as {
      ok: boolean;
      checks: Array<{ name: string; status: string }>;
    };
    expect(body.ok).toBe(true);
    expect(body.checks.map((check) => check.name)).toEqual([
      'node',
      'config',
      'tokenizer',
      'model',
      'database',
      'redis',
    ]);
    expect(body.checks.find((check) => check.name === 'model')?.status).toBe('warn');
  });

  it('fails, with a fix, when the database cannot be reached', async () => {
    const result = await runCli(['doctor'], {
      cwd,
      env: cleanEnv({ DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' }),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ database\s+cannot reach/);
    expect(result.stdout).toContain('npm run services:start');
  });
});

describe('hydra sim-model', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('serves the OpenAI API until stopped', async () => {
    const started = await startCli(['sim-model', '--port', '0', '--json', '--context-window', '777'], {
      cwd,
      ready: /\}\s*$/,
    });
    child = started.child;
    const { url } = JSON.parse(started.output) as { url: string };
    const models = (await (await fetch(`${url}/models`)).json()) as { data: Array<Record<string, unknown>> };
    expect(models.data[0]).toMatchObject({ id: 'sim-model', max_model_len: 777 });
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('rejects an invalid script, naming the field', async () => {
    const script = join(cwd, 'bad-script.json');
    await writeFile(script, JSON.stringify({ slots: 0 }));
    const result = await runCli(['sim-model', '--script', script], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/slots/);
  });
});

describe('hydra usage', () => {
  it('prints help for every command', async () => {
    for (const command of [[], ['run'], ['demo'], ['doctor'], ['sim-model'], ['config']]) {
      const result = await runCli([...command, '--help'], { cwd });
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/Usage: hydra/);
    }
  });

  it('exits 2 on an unknown command', async () => {
    const result = await runCli(['frobnicate'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('prints the resolved config with secrets hidden', async () => {
    const result = await runCli(['config'], {
      cwd,
      env: cleanEnv({ OPENAI_API_KEY: 'sk-secret', HYDRA_MODEL: 'openai:gpt-4o' }),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('sk-secret');
    expect(JSON.parse(result.stdout)).toMatchObject({
      sources: { env: ['HYDRA_MODEL', 'OPENAI_API_KEY'] },
      config: { model: 'openai:gpt-4o', providers: { openai: { apiKey: '***' } } },
    });
  });
});
