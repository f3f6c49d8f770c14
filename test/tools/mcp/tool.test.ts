import { describe, expect, it } from 'vitest';

import { AbortedError, ToolError } from '../../../src/errors/index.js';
import { defaultToolName, formatCallResult, mapAnnotations } from '../../../src/tools/mcp/index.js';
import { checkArguments, createMcpFunctionTool } from '../../../src/tools/mcp/tool.js';
import type { McpCallResult, McpToolInfo } from '../../../src/tools/mcp/index.js';

const info: McpToolInfo = {
  server: 'calc',
  name: 'add',
  description: 'Adds',
  inputSchema: {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: ['integer', 'null'] }, note: { type: 'string' } },
    required: ['a'],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true },
};

describe('MCP tool naming and mapping', () => {
  it('prefixes the server and keeps names valid for every provider', () => {
    expect(defaultToolName('fs', 'read_file')).toBe('fs__read_file');
    expect(defaultToolName('gh', 'repos.get/issue')).toBe('gh__repos_get_issue');
    const long = defaultToolName('server', 'x'.repeat(80));
    expect(long).toMatch(/^[a-zA-Z0-9_-]{64}$/);
    expect(long).not.toBe(defaultToolName('server', 'x'.repeat(81)));
  });

  it('maps MCP hints, applying the spec defaults for absent ones', () => {
    expect(mapAnnotations({})).toEqual({
      readOnly: false,
      destructive: true,
      idempotent: false,
      openWorld: true,
    });
    expect(mapAnnotations({ readOnlyHint: true, openWorldHint: false })).toEqual({
      readOnly: true,
      destructive: false,
      idempotent: true,
      openWorld: false,
    });
    expect(mapAnnotations({ destructiveHint: false, idempotentHint: true })).toMatchObject({
      destructive: false,
      idempotent: true,
    });
  });

  it('checks required properties, top-level types and unknown keys', () => {
    expect(checkArguments(info.inputSchema, { a: 1, b: null })).toEqual([]);
    expect(checkArguments(info.inputSchema, { b: 1.5, note: 3, extra: true })).toEqual([
      'a: required',
      'b: expected integer or null, got number',
      'note: expected string, got number',
      'extra: not a parameter of this tool',
    ]);
  });
});

describe('MCP results for the model', () => {
  it('joins text, adds structured content once, and describes binary content', () => {
    const result: McpCallResult = {
      content: [
        { type: 'text', text: 'hello' },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
        { type: 'resource_link', uri: 'file:///a.txt', name: 'a.txt', mimeType: 'text/plain' },
        { type: 'resource', resource: { uri: 'mem://x', text: 'inline' } },
      ],
      structuredContent: { sum: 3 },
      isError: false,
    };
    expect(formatCallResult(result)).toBe(
      'hello\n[image: image/png, 3 bytes]\n[resource link: a.txt <file:///a.txt> (text/plain)]\n[resource <mem://x>]\ninline\n{"sum":3}',
    );
    expect(
      formatCallResult({
        content: [{ type: 'text', text: '{ "sum": 3 }' }],
        structuredContent: { sum: 3 },
        isError: false,
      }),
    ).toBe('{ "sum": 3 }');
  });
});

describe('createMcpFunctionTool', () => {
  const make = (call: () => Promise<McpCallResult>) =>
    createMcpFunctionTool({ name: 'calc__add', info, call: () => call() });

  it('passes the server schema through and reports isError as a failed outcome', async () => {
    const tool = make(async () => ({ content: [{ type: 'text', text: 'overflow' }], isError: true }));
    expect(tool.definition).toEqual({ name: 'calc__add', description: 'Adds', parameters: info.inputSchema });
    expect(tool.annotations.readOnly).toBe(true);
    expect(await tool.run({ a: 1 })).toEqual({ ok: false, content: 'Tool calc__add failed: overflow' });
    expect((await tool.run({ a: 'one' })).content).toMatch(
      /^Invalid arguments for calc__add: a: expected number/,
    );
  });

  it('turns thrown errors into outcomes, but lets the caller’s abort through', async () => {
    const failing = make(async () => {
      throw new ToolError('tool_unavailable', 'Lost the connection', { retryable: true });
    });
    expect(await failing.run({ a: 1 })).toEqual({
      ok: false,
      content:
        'Tool calc__add failed: Lost the connection [tool_unavailable] This is temporary; you may call again.',
    });
    const controller = new AbortController();
    controller.abort();
    const aborted = make(async () => {
      throw new AbortedError();
    });
    await expect(aborted.run({ a: 1 }, { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
  });
});
