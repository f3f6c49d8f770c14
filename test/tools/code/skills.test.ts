import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore, type Store } from '../../../src/store/index.js';
import type { FunctionTool } from '../../../src/tools/index.js';
import { createCodeTools, SkillLibrary } from '../../../src/tools/code/index.js';
import { sampleProvider } from './provider.js';

describe('SkillLibrary and the skill tools (PGlite)', () => {
  let dataDir: string;
  let store: Store;
  let skills: SkillLibrary;
  let tools: Map<string, FunctionTool>;
  const provider = sampleProvider();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hydra-skills-'));
    store = await openStore({ dataDir });
    skills = await SkillLibrary.open(store);
    tools = new Map(createCodeTools({ provider, skills }).map((tool) => [tool.name, tool]));
  });
  afterAll(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const tool = (name: string): FunctionTool => {
    const found = tools.get(name);
    if (!found) throw new Error(`no tool ${name}`);
    return found;
  };

  it('migrates the code component once', async () => {
    expect(await store.schemaVersion('code')).toBe(1);
    await SkillLibrary.open(store);
    expect(await store.schemaVersion('code')).toBe(1);
  });

  it('saves, gets, lists and deletes skills', async () => {
    const saved = await skills.save({
      name: 'count-pending',
      description: 'Counts pending rows',
      code: 'return 1',
    });
    expect(saved).toMatchObject({
      name: 'count-pending',
      version: 1,
      uses: 0,
      code: 'return 1',
      lastUsedAt: undefined,
    });
    expect(saved.createdAt).toBeInstanceOf(Date);
    expect(await skills.get('count-pending')).toEqual(saved);
    expect(await skills.get('nothing')).toBeUndefined();
    await skills.save({ name: 'b-skill', description: 'b', code: 'return 2' });
    expect((await skills.list()).map((s) => s.name)).toEqual(['b-skill', 'count-pending']);
    expect(await skills.delete('b-skill')).toBe(true);
    expect(await skills.delete('b-skill')).toBe(false);
    await expect(skills.require('b-skill')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a taken name unless told to overwrite, and keeps the old version', async () => {
    await skills.save({ name: 'versioned', description: 'v1', code: 'return 1' });
    await expect(
      skills.save({ name: 'versioned', description: 'v2', code: 'return 2' }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/exists \(version 1\); save with overwrite/),
    });
    const second = await skills.save(
      { name: 'versioned', description: 'v2', code: 'return 2' },
      { overwrite: true },
    );
    expect(second).toMatchObject({ version: 2, description: 'v2', code: 'return 2' });
    const history = await skills.versions('versioned');
    expect(history).toMatchObject([{ version: 1, description: 'v1', code: 'return 1' }]);
    expect((await skills.get('versioned'))?.createdAt).toEqual((await skills.get('versioned'))?.createdAt);
    await skills.delete('versioned');
    expect(await skills.versions('versioned')).toEqual([]);
  });

  it('validates names, descriptions and code', async () => {
    for (const name of ['', '1abc', 'has space', 'x'.repeat(65), 'a/b']) {
      await expect(skills.save({ name, description: 'd', code: 'return 1' })).rejects.toMatchObject({
        code: 'invalid_input',
      });
    }
    await expect(skills.save({ name: 'ok', description: ' ', code: 'return 1' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(skills.save({ name: 'ok', description: 'd', code: '' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('saves a program that worked and runs it by name with an input, calling the typed API', async () => {
    const code = `
      const { rows } = await servers.sheets.get_sheet({ sheetId: input.sheet });
      const hits = rows.filter((row) => row.status === input.status);
      console.log('matched', hits.length);
      return hits.slice(0, input.take).map((row) => row.id);
    `;
    const tried = await tool('execute_code').run({
      code: code.replaceAll('input.', '({ sheet: "s", status: "pending", take: 2 }).'),
    });
    expect(tried).toEqual({ ok: true, content: '{"logs":"matched 10","result":[0,1000]}' });
    expect(
      await tool('save_skill').run({ name: 'pending_ids', description: 'Ids of rows with a status', code }),
    ).toEqual({
      ok: true,
      content: 'Saved skill "pending_ids" (version 1).',
    });
    const run = await tool('run_skill').run({
      name: 'pending_ids',
      input: { sheet: 's', status: 'pending', take: 3 },
    });
    expect(run).toEqual({ ok: true, content: '{"logs":"matched 10","result":[0,1000,2000]}' });
    await tool('run_skill').run({ name: 'pending_ids', input: { sheet: 's', status: 'done', take: 1 } });
    expect(await skills.get('pending_ids')).toMatchObject({ uses: 2, lastUsedAt: expect.any(Date) });
    expect((await tool('list_skills').run({})).content).toContain(
      'pending_ids (v1, used 2×) — Ids of rows with a status',
    );
    expect((await tool('list_skills').run({ query: 'zzz' })).content).toBe('No skill matches "zzz".');
  });

  it('refuses to save code that does not parse, and reports a missing skill', async () => {
    const bad = await tool('save_skill').run({ name: 'broken', description: 'd', code: 'return (' });
    expect(bad).toMatchObject({ ok: false, content: expect.stringMatching(/SyntaxError/) });
    expect(await skills.get('broken')).toBeUndefined();
    expect(await tool('run_skill').run({ name: 'ghost' })).toEqual({
      ok: false,
      content: 'Tool run_skill failed: There is no skill named "ghost".',
    });
    const taken = await tool('save_skill').run({ name: 'pending_ids', description: 'd', code: 'return 1' });
    expect(taken.content).toMatch(/exists \(version 1\)/);
    expect(
      (
        await tool('save_skill').run({
          name: 'pending_ids',
          description: 'd',
          code: 'return 1',
          overwrite: true,
        })
      ).content,
    ).toBe('Saved skill "pending_ids" (version 2).');
  });
});
