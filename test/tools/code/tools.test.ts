import { describe, expect, it } from 'vitest';

import type { FunctionTool } from '../../../src/tools/index.js';
import { CodeExecutionError, createCodeTools, formatOutput } from '../../../src/tools/code/index.js';
import { sampleProvider } from './provider.js';

function toolSet(limits = {}): {
  provider: ReturnType<typeof sampleProvider>;
  tools: Map<string, FunctionTool>;
} {
  const provider = sampleProvider();
  const tools = createCodeTools({ provider, limits });
  return { provider, tools: new Map(tools.map((tool) => [tool.name, tool])) };
}

function get(tools: Map<string, FunctionTool>, name: string): FunctionTool {
  const tool = tools.get(name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool;
}

describe('search_tools', () => {
  const { tools } = toolSet();
  const search = get(tools, 'search_tools');

  it('lists names, one-line descriptions or full declarations', async () => {
    expect(await search.run({ query: 'record', detail: 'name' })).toEqual({
      ok: true,
      content:
        '1 of 4 tools. Call them in execute_code: await servers.<server>.<tool>(args).\nservers.crm.update_record',
    });
    const described = await search.run({ query: 'crm' });
    expect(described.content).toContain('servers.crm.update_record — Updates a CRM record.\n');
    expect(described.content).not.toContain('confirmation'); // only the first line of the description
    const full = await search.run({ query: 'sheet', detail: 'full' });
    expect(full.content).toContain('interface Servers {\n  /** MCP server "sheets" (1 tool). */');
    expect(full.content).toContain('get_sheet(args: {');
    expect(full.content).toContain('status: "pending" | "done";');
  });

  it('ranks name matches first, and says what exists when nothing matches', async () => {
    const ranked = await search.run({ query: 'echo text delay', detail: 'name' });
    expect(ranked.content.split('\n')[1]).toBe('servers.crm.slow_echo');
    expect((await search.run({ query: 'kubernetes' })).content).toBe(
      'No tool matches "kubernetes". Servers: sheets, crm.',
    );
    expect((await search.run({ query: '', detail: 'name', limit: 2 })).content.split('\n')).toHaveLength(3);
  });
});

describe('execute_code', () => {
  it('returns logs and the result as JSON for the model', async () => {
    const { tools } = toolSet();
    const outcome = await get(tools, 'execute_code').run({
      code: `const { rows } = await servers.sheets.get_sheet({ sheetId: 's' });
             console.log('rows:', rows.length);
             return rows.filter((r) => r.status === 'pending').length;`,
    });
    expect(outcome).toEqual({ ok: true, content: '{"logs":"rows: 10000","result":10}' });
  });

  it('caps the output and says so', async () => {
    const { tools } = toolSet({ maxOutputChars: 1_000 });
    const outcome = await get(tools, 'execute_code').run({
      code: `for (let i = 0; i < 500; i++) console.log('line', i);
             const { rows } = await servers.sheets.get_sheet({ sheetId: 's' });
             return rows;`,
    });
    expect(outcome.ok).toBe(true);
    expect(outcome.content.length).toBeLessThanOrEqual(1_000);
    const parsed = JSON.parse(outcome.content) as { logs: string; result: string; note: string };
    expect(parsed.logs).toMatch(/^line 0\nline 1\n/);
    expect(parsed.logs).toMatch(/line 499$/);
    expect(parsed.result).toMatch(/^\[\{"id":0,/);
    expect(parsed.note).toMatch(
      /Output truncated to fit 1000 characters \(logs cut from \d+ to \d+ characters; result cut: its JSON has \d+ characters\)/,
    );
  });

  it('reports failures with the logs before them, and honours timeout_ms', async () => {
    const { tools } = toolSet();
    const execute = get(tools, 'execute_code');
    const failed = await execute.run({ code: 'console.log("step 1"); await servers.crm.fail({});' });
    expect(failed.ok).toBe(false);
    expect(failed.content).toBe(
      'Tool execute_code failed: ToolError: CRM is down\nLogs before the failure:\nstep 1',
    );
    const started = performance.now();
    const slow = await execute.run({ code: 'while (true) {}', timeout_ms: 100 });
    expect(slow.content).toMatch(/did not finish within 100 ms/);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect((await execute.run({ code: 'return 1', timeout_ms: 10_000_000 })).content).toMatch(
      /Invalid arguments/,
    );
  });

  it('gives direct callers a typed error', async () => {
    const { tools } = toolSet();
    const error = await get(tools, 'execute_code')
      .execute({ code: 'throw new RangeError("bad")' }, {})
      .catch((e: unknown) => e);
    expect(CodeExecutionError.is(error, 'runtime')).toBe(true);
    expect((error as CodeExecutionError).data['logs']).toEqual([]);
  });
});

describe('formatOutput', () => {
  it('keeps everything when it fits and stays under the cap when it does not', () => {
    expect(formatOutput(['a', 'b'], '{"x":1}', 100)).toEqual({ logs: 'a\nb', result: { x: 1 } });
    expect(formatOutput([], undefined, 100)).toEqual({ logs: '' });
    const quotes = formatOutput(['"'.repeat(5_000)], JSON.stringify('"'.repeat(5_000)), 800);
    expect(JSON.stringify(quotes).length).toBeLessThanOrEqual(800);
    expect(quotes.note).toMatch(/truncated/);
  });
});
