import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { UserError } from '../../src/errors/index.js';
import { currentTimeTool, defineTool, readFileTool } from '../../src/tools/index.js';

const add = defineTool({
  name: 'add',
  description: 'Adds two numbers',
  parameters: z.object({ a: z.number(), b: z.number().describe('second addend') }),
  annotations: { readOnly: true },
  execute: ({ a, b }) => a + b,
});

describe('defineTool', () => {
  it('generates a JSON Schema for the model from the zod schema', () => {
    expect(add.definition).toEqual({
      name: 'add',
      description: 'Adds two numbers',
      parameters: {
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number', description: 'second addend' } },
        required: ['a', 'b'],
        additionalProperties: false,
      },
    });
    expect(add.annotations).toEqual({ readOnly: true });
  });

  it('runs with valid arguments and stringifies non-string results', async () => {
    expect(await add.run({ a: 2, b: 3 })).toEqual({ ok: true, content: '5' });
  });

  it('turns invalid arguments into an error the model can correct', async () => {
    const outcome = await add.run({ a: 'two' });
    expect(outcome.ok).toBe(false);
    expect(outcome.content).toMatch(/Invalid arguments for add: a: .*number.*; b:/);
  });

  it('turns a throwing tool into a tool error instead of crashing', async () => {
    const broken = defineTool({
      name: 'broken',
      description: 'always fails',
      parameters: z.object({}),
      execute: () => {
        throw new UserError('invalid_input', 'disk on fire');
      },
    });
    expect(await broken.run({})).toEqual({ ok: false, content: 'Tool broken failed: disk on fire' });
  });

  it('rejects names models cannot call', () => {
    expect(() =>
      defineTool({ name: 'has space', description: '', parameters: z.object({}), execute: () => 1 }),
    ).toThrow(UserError);
  });
});

describe('built-in tools', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'hydra-tools-'));
    await writeFile(join(root, 'notes.txt'), 'remember the milk');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('current_time answers in the requested zone', async () => {
    const outcome = await currentTimeTool.run({ timezone: 'Asia/Tokyo' });
    expect(outcome.ok).toBe(true);
    expect(JSON.parse(outcome.content)).toMatchObject({ timezone: 'Asia/Tokyo' });
  });

  it('current_time reports an unknown zone as a tool error', async () => {
    const outcome = await currentTimeTool.run({ timezone: 'Mars/Olympus' });
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome.content).toContain('Unknown time zone');
  });

  it('read_file reads files under its root', async () => {
    expect(await readFileTool(root).run({ path: 'notes.txt' })).toEqual({
      ok: true,
      content: 'remember the milk',
    });
  });

  it('read_file refuses paths outside its root', async () => {
    const outcome = await readFileTool(root).run({ path: '../../etc/passwd' });
    expect(outcome.ok).toBe(false);
    expect(outcome.content).toContain('outside the working directory');
  });
});
