import { describe, expect, it } from 'vitest';

import { CodeExecutionError, QuickJsSandbox, toolBridge } from '../../../src/tools/code/index.js';
import { sampleProvider } from './provider.js';

const sandbox = new QuickJsSandbox();

async function withTools(
  code: string,
  extra: Parameters<QuickJsSandbox['run']>[0] extends infer O ? Partial<O> : never = {},
) {
  const provider = sampleProvider();
  const tools = toolBridge(provider, await provider.listTools());
  return { provider, result: await sandbox.run({ code, tools, ...extra }) };
}

describe('QuickJsSandbox', () => {
  it('runs a program and returns its JSON result and logs', async () => {
    const run = await sandbox.run({
      code: 'console.log("hi", { a: 1 }, [2]); console.warn("careful"); return { sum: 1 + 2 };',
    });
    expect(run.resultJson).toBe('{"sum":3}');
    expect(run.logs).toEqual(['hi {"a":1} [2]', '[warn] careful']);
    expect(run.toolCalls).toBe(0);
  });

  it('strips TypeScript types (interfaces, annotations, generics, enums) and keeps line numbers', async () => {
    const code = [
      'interface Row { id: number }',
      'enum Color { Red, Green }',
      'const pick = <T,>(rows: T[], n: number): T[] => rows.slice(0, n);',
      'const rows: Row[] = [{ id: 1 }, { id: 2 }];',
      'return { first: pick<Row>(rows, 1), green: Color.Green };',
    ].join('\n');
    expect((await sandbox.run({ code })).resultJson).toBe('{"first":[{"id":1}],"green":1}');
    const failure = await sandbox.run({ code: 'const a: number = 1;\n\nnull.x;' }).catch((e: unknown) => e);
    expect(CodeExecutionError.is(failure, 'runtime')).toBe(true);
    expect((failure as Error).message).toMatch(/program\.js:3/);
  });

  it('accepts plain JavaScript with typescript off, and reports syntax errors with the position', async () => {
    expect((await sandbox.run({ code: 'return 2 ** 10', typescript: false })).resultJson).toBe('1024');
    const failure = await sandbox.run({ code: 'let x = ;' }).catch((e: unknown) => e);
    expect(CodeExecutionError.is(failure, 'syntax')).toBe(true);
    expect((failure as Error).message).toMatch(/SyntaxError: Unexpected token \(line 1, column 9\)/);
  });

  it('returns undefined for a program that returns nothing, and gives it the input', async () => {
    expect((await sandbox.run({ code: 'console.log("x")' })).resultJson).toBeUndefined();
    const run = await sandbox.run({ code: 'return input.n * 2', input: { n: 21 } });
    expect(run.resultJson).toBe('42');
    expect((await sandbox.run({ code: 'return typeof input' })).resultJson).toBe('"undefined"');
  });

  it('calls tools through the typed API and filters big results inside the sandbox', async () => {
    const { provider, result } = await withTools(`
      const { rows } = await servers.sheets.get_sheet({ sheetId: 'abc' });
      const pending = rows.filter((row) => row.status === 'pending');
      console.log(pending.length + ' pending of ' + rows.length);
      return pending.slice(0, 3).map((row) => row.id);
    `);
    expect(result.resultJson).toBe('[0,1000,2000]');
    expect(result.logs).toEqual(['10 pending of 10000']);
    expect(provider.calls).toEqual([{ server: 'sheets', name: 'get_sheet', args: { sheetId: 'abc' } }]);
  });

  it('gives text results for tools without an output schema and structured ones with', async () => {
    const { result } = await withTools(`
      const text = await servers.crm.update_record({ id: 'r1' });
      const echoed = await servers.crm.slow_echo({ text: 'hey', ms: 1 });
      return [typeof text, text, echoed.text];
    `);
    expect(result.resultJson).toBe('["string","updated r1","hey"]');
  });

  it('runs concurrent tool calls with Promise.all', async () => {
    const started = performance.now();
    const { result, provider } = await withTools(`
      const texts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      const echoed = await Promise.all(texts.map((text) => servers.crm.slow_echo({ text, ms: 100 })));
      return echoed.map((e) => e.text).join('');
    `);
    expect(result.resultJson).toBe('"abcdefgh"');
    expect(result.toolCalls).toBe(8);
    expect(provider.calls).toHaveLength(8);
    expect(performance.now() - started).toBeLessThan(700); // 8 × 100 ms in sequence would take 800 ms
  });

  it('turns a failing tool into a catchable ToolError', async () => {
    const { result } = await withTools(`
      try {
        await servers.crm.fail({});
        return 'unreachable';
      } catch (error) {
        return [error instanceof ToolError, error.name, error.message, error.server, error.tool];
      }
    `);
    expect(result.resultJson).toBe('[true,"ToolError","CRM is down","crm","fail"]');
    const uncaught = await withTools('await servers.crm.fail({})').catch((e: unknown) => e);
    expect(CodeExecutionError.is(uncaught, 'runtime')).toBe(true);
    expect((uncaught as Error).message).toMatch(/^ToolError: CRM is down/);
  });

  it('stops at the tool-call limit with a clear error', async () => {
    const provider = sampleProvider();
    const tools = toolBridge(provider, await provider.listTools());
    const failure = await sandbox
      .run({
        code: 'for (let i = 0; i < 10; i++) await servers.crm.update_record({ id: String(i) })',
        tools,
        limits: { maxToolCalls: 3 },
      })
      .catch((e: unknown) => e);
    expect(CodeExecutionError.is(failure, 'tool_call_limit')).toBe(true);
    expect((failure as Error).message).toMatch(/at most 3 calls/);
    expect(provider.calls).toHaveLength(3);
  });

  it('aborts a run and the tool calls it has in flight', async () => {
    const provider = sampleProvider();
    const tools = toolBridge(provider, await provider.listTools());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const failure = await sandbox
      .run({ code: 'await servers.crm.slow_echo({ text: "x", ms: 5000 })', tools, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(CodeExecutionError.is(failure, 'aborted')).toBe(true);
    expect((failure as CodeExecutionError).code).toBe('aborted');
  });

  it('refuses an input that is not JSON', async () => {
    await expect(sandbox.run({ code: 'return 1', input: 10n })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('keeps a fresh context per run: globals do not survive', async () => {
    await sandbox.run({ code: 'globalThis.leftover = 1; Array.prototype.evil = 1;' });
    expect((await sandbox.run({ code: 'return [typeof leftover, [].evil === undefined]' })).resultJson).toBe(
      '["undefined",true]',
    );
  });
});
