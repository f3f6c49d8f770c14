import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createConfiguredProvider, loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hydra-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectConfigError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('gives defaults with no file, no environment and no flags', async () => {
    const { config, file, envVars } = await loadConfig({ cwd: dir, env: {} });
    expect(file).toBeUndefined();
    expect(envVars).toEqual([]);
    expect(config.model).toBeUndefined();
    expect(config.agent.maxSteps).toBe(10);
    expect(config.dataDir).toBe('.hydra');
  });

  it('reads hydra.config.json from the working directory', async () => {
    await writeFile(
      join(dir, 'hydra.config.json'),
      JSON.stringify({ model: 'ollama:llama3.1', agent: { maxSteps: 3 } }),
    );
    const { config, file } = await loadConfig({ cwd: dir, env: {} });
    expect(file).toBe(join(dir, 'hydra.config.json'));
    expect(config.model).toBe('ollama:llama3.1');
    expect(config.agent.maxSteps).toBe(3);
  });

  it('reads a TypeScript config file', async () => {
    await writeFile(
      join(dir, 'hydra.config.ts'),
      "const steps: number = 4;\nexport default { model: 'openai:gpt-4o-mini', agent: { maxSteps: steps } };\n",
    );
    const { config } = await loadConfig({ cwd: dir, env: {} });
    expect(config.model).toBe('openai:gpt-4o-mini');
    expect(config.agent.maxSteps).toBe(4);
  });

  it('layers file < environment < flags', async () => {
    await writeFile(
      join(dir, 'hydra.config.json'),
      JSON.stringify({ model: 'ollama:llama3.1', providers: { openai: { maxRetries: 1 } } }),
    );
    const env = {
      HYDRA_MODEL: 'openai:gpt-4o',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    };
    const fromEnv = await loadConfig({ cwd: dir, env });
    expect(fromEnv.config.model).toBe('openai:gpt-4o');
    expect(fromEnv.config.providers.openai).toEqual({
      maxRetries: 1,
      apiKey: 'sk-test',
      baseUrl: 'http://127.0.0.1:9/v1',
    });
    expect(fromEnv.envVars).toEqual(['HYDRA_MODEL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL']);
    const fromFlag = await loadConfig({ cwd: dir, env, flags: { model: 'anthropic:claude-sonnet-4-5' } });
    expect(fromFlag.config.model).toBe('anthropic:claude-sonnet-4-5');
  });

  it('names the file and field of an invalid value', async () => {
    await writeFile(join(dir, 'hydra.config.json'), JSON.stringify({ agent: { maxSteps: 0 } }));
    const error = await expectConfigError(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toContain('hydra.config.json: agent.maxSteps');
    expect(error.data['field']).toBe('agent.maxSteps');
  });

  it('names unknown keys, so typos are caught', async () => {
    await writeFile(join(dir, 'hydra.config.json'), JSON.stringify({ modle: 'openai:gpt-4o' }));
    const error = await expectConfigError(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toMatch(/modle/);
  });

  it('names the environment variable that holds a bad value', async () => {
    const error = await expectConfigError(
      loadConfig({ cwd: dir, env: { DATABASE_URL: 'mysql://localhost/db' } }),
    );
    expect(error.message).toContain('environment variable DATABASE_URL');
    expect(error.message).toContain('postgres://');
  });

  it('explains a malformed model id with examples', async () => {
    const error = await expectConfigError(loadConfig({ cwd: dir, env: { HYDRA_MODEL: 'gpt-4o' } }));
    expect(error.message).toContain('environment variable HYDRA_MODEL');
    expect(error.message).toContain('did you mean "openai:gpt-4o"');
  });

  it('names the flag that holds a bad value', async () => {
    const error = await expectConfigError(loadConfig({ cwd: dir, env: {}, flags: { model: 'nope' } }));
    expect(error.message).toContain('flag --model');
  });

  it('reports a missing explicit config file', async () => {
    const error = await expectConfigError(loadConfig({ cwd: dir, env: {}, configPath: 'missing.json' }));
    expect(error.code).toBe('config_not_found');
  });

  it('reports a config file that is not valid JSON', async () => {
    await writeFile(join(dir, 'hydra.config.json'), '{ "model": ');
    const error = await expectConfigError(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toMatch(/Could not read config file .*hydra\.config\.json/);
  });
});

describe('createConfiguredProvider', () => {
  it('explains how to configure a model when none is set', async () => {
    const { config } = await loadConfig({ cwd: dir, env: {} });
    const error = await expectConfigError(createConfiguredProvider(config));
    expect(error.code).toBe('model_not_configured');
    expect(error.message).toContain('HYDRA_MODEL');
    expect(error.message).toContain('hydra demo');
  });

  it('asks for an API key for OpenAI', async () => {
    const { config } = await loadConfig({ cwd: dir, env: { HYDRA_MODEL: 'openai:gpt-4o-mini' } });
    const error = await expectConfigError(createConfiguredProvider(config));
    expect(error.message).toContain('OPENAI_API_KEY');
  });

  it('uses the configured context window and the known one otherwise', async () => {
    await writeFile(
      join(dir, 'hydra.config.json'),
      JSON.stringify({ models: { 'openai:gpt-4o-mini': { contextWindow: 4096 } } }),
    );
    const { config } = await loadConfig({ cwd: dir, env: { OPENAI_API_KEY: 'sk-test' } });
    expect((await createConfiguredProvider(config, 'openai:gpt-4o-mini')).contextWindow).toBe(4096);
    expect((await createConfiguredProvider(config, 'openai:gpt-4o')).contextWindow).toBe(128_000);
  });
});
