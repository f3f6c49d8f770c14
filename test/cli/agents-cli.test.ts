import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SimModelServer } from '../../src/testing/index.js';
import { cleanEnv, runCli } from './run-cli.js';

let cwd: string;
let sim: SimModelServer;
let env: Record<string, string>;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'hydra-agents-cli-'));
  sim = new SimModelServer({
    rules: [
      {
        match: { lastUser: 'my name is', afterToolResult: false },
        reply: {
          toolCalls: [{ name: 'core_memory_append', arguments: { label: 'human', content: 'Name: Grace' } }],
        },
      },
      {
        match: { toolResultFrom: 'core_memory_append' },
        reply: { text: 'Nice to meet you, Grace. I will remember that.' },
      },
      { match: { system: 'Name: Grace' }, reply: { text: 'You are Grace.' } },
    ],
  });
  const { url } = await sim.start(0);
  env = cleanEnv({ HYDRA_MODEL: `openai-compatible:${url}#sim-model` });
});
afterAll(async () => {
  await sim.stop();
  await rm(cwd, { recursive: true, force: true });
});

describe('hydra agents and hydra memory', () => {
  it('creates an agent that remembers across separate processes', async () => {
    const created = await runCli(['agents', 'create', 'ada', '--persona', 'I am Ada, a helpful assistant.'], {
      cwd,
      env,
    });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^agent-/);

    const first = await runCli(['agents', 'chat', 'ada', 'Hello, my name is Grace'], { cwd, env });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('→ core_memory_append');
    expect(first.stdout).toContain('Nice to meet you, Grace');

    // A new process: the block edit and the conversation come back from the store.
    const second = await runCli(['agents', 'chat', 'ada', 'Who am I?', '--json'], { cwd, env });
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: true, answer: 'You are Grace.' });

    const shown = await runCli(['memory', 'show', 'ada', '--json'], { cwd, env });
    const memory = JSON.parse(shown.stdout) as {
      blocks: Array<{ label: string; value: string }>;
      messages: number;
    };
    expect(memory.blocks.find((block) => block.label === 'human')?.value).toBe('Name: Grace');
    expect(memory.messages).toBe(6);

    const found = await runCli(['memory', 'search', 'ada', 'Grace', '--json'], { cwd, env });
    expect((JSON.parse(found.stdout) as unknown[]).length).toBeGreaterThan(0);
  });

  it('edits, shows the history of, and undoes a block', async () => {
    expect(
      (await runCli(['memory', 'edit', 'ada', 'persona', '--append', 'Speaks French.'], { cwd, env })).code,
    ).toBe(0);
    const history = JSON.parse(
      (await runCli(['memory', 'history', 'ada', 'persona', '--json'], { cwd, env })).stdout,
    ) as Array<{ newValue: string }>;
    expect(history.at(-1)?.newValue).toBe('I am Ada, a helpful assistant.\nSpeaks French.');
    expect((await runCli(['memory', 'undo', 'ada', 'persona'], { cwd, env })).code).toBe(0);
    const shown = JSON.parse((await runCli(['memory', 'show', 'ada', '--json'], { cwd, env })).stdout) as {
      blocks: Array<{ label: string; value: string }>;
    };
    expect(shown.blocks.find((block) => block.label === 'persona')?.value).toBe(
      'I am Ada, a helpful assistant.',
    );
  });

  it('exports to an Agent File and imports it back', async () => {
    const file = join(cwd, 'ada.af');
    expect((await runCli(['agents', 'export', 'ada', '-o', file], { cwd, env })).code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveProperty('agents');
    const imported = await runCli(['agents', 'import', file, '--json'], { cwd, env });
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ agents: [{ name: 'ada' }] });
    // Two agents are now named ada: a name is ambiguous, an id is not.
    const ambiguous = await runCli(['agents', 'show', 'ada'], { cwd, env });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/2 agents are named "ada"/);
  });

  it('refuses to delete without --yes, and deletes with it', async () => {
    const listed = JSON.parse((await runCli(['agents', 'list', '--json'], { cwd, env })).stdout) as Array<{
      id: string;
    }>;
    const id = listed[0]?.id ?? '';
    const refused = await runCli(['agents', 'delete', id], { cwd, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await runCli(['agents', 'delete', id, '--yes'], { cwd, env })).code).toBe(0);
    const after = JSON.parse((await runCli(['agents', 'list', '--json'], { cwd, env })).stdout) as unknown[];
    expect(after).toHaveLength(listed.length - 1);
  });

  it('rejects a malformed Agent File naming the JSON path', async () => {
    const file = join(cwd, 'bad.af');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(file, JSON.stringify({ agents: [{ name: 5 }] })),
    );
    const result = await runCli(['agents', 'import', file], { cwd, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\$\.agents\[0\]/);
  });
});
