import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/errors/index.js';
import { mcpServersSchema, parseMcpServers } from '../../../src/tools/mcp/index.js';

function problems(value: unknown): string[] {
  try {
    parseMcpServers(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return ((error as ConfigError).data['problems'] as Array<{ message: string }>).map((p) => p.message);
  }
  throw new Error('expected the config to be rejected');
}

describe('mcpServersSchema', () => {
  it('accepts the Claude Desktop / Cursor shape and normalises it', () => {
    const servers = parseMcpServers({
      fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] },
      memory: { command: 'mcp-server-memory', env: { MEMORY_FILE_PATH: '/tmp/m.jsonl' }, cwd: '/tmp' },
      remote: { url: 'https://example.com/mcp', headers: { Authorization: 'Bearer x' }, timeoutMs: 5000 },
      vscode: { type: 'http', url: 'http://127.0.0.1:3001/mcp', versionNegotiation: { pin: '2026-07-28' } },
      off: { command: 'nothing', disabled: true },
    });
    expect(servers).toEqual({
      fs: {
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
        timeoutMs: 60_000,
        connectTimeoutMs: 15_000,
      },
      memory: {
        transport: 'stdio',
        command: 'mcp-server-memory',
        args: [],
        env: { MEMORY_FILE_PATH: '/tmp/m.jsonl' },
        cwd: '/tmp',
        timeoutMs: 60_000,
        connectTimeoutMs: 15_000,
      },
      remote: {
        transport: 'http',
        url: 'https://example.com/mcp',
        headers: { Authorization: 'Bearer x' },
        timeoutMs: 5000,
        connectTimeoutMs: 15_000,
      },
      vscode: {
        transport: 'http',
        url: 'http://127.0.0.1:3001/mcp',
        timeoutMs: 60_000,
        connectTimeoutMs: 15_000,
        versionNegotiation: { pin: '2026-07-28' },
      },
    });
  });

  it('names the field and the fix for each mistake', () => {
    expect(problems({ a: { command: 'x', url: 'http://h/mcp' } })).toEqual([
      'mcpServers.a.url: give either command (a stdio server) or url (a Streamable HTTP server), not both',
    ]);
    expect(problems({ a: { args: ['x'] } })).toEqual([
      'mcpServers.a: needs command (to start a stdio server) or url (to reach a Streamable HTTP server)',
    ]);
    expect(problems({ a: { url: 'http://h/mcp', env: { A: '1' } } })).toEqual([
      'mcpServers.a.env: applies only to stdio servers (with command)',
    ]);
    expect(problems({ a: { command: 'x', headers: { A: '1' } } })).toEqual([
      'mcpServers.a.headers: applies only to HTTP servers (with url)',
    ]);
    expect(problems({ a: { url: 'ftp://h/mcp' } })).toEqual([
      'mcpServers.a.url: must be an http(s) URL such as http://127.0.0.1:3001/mcp',
    ]);
    expect(problems({ a: { command: 'x', cmd: 'y' } })).toEqual([
      'mcpServers.a: Unrecognized key: "cmd" cmd',
    ]);
    expect(problems({ a: { command: 'x', timeoutMs: -1 } })[0]).toMatch(/^mcpServers\.a\.timeoutMs: /);
    expect(problems({ 'my server': { command: 'x' } })[0]).toMatch(/server names must be 1-64 letters/);
    expect(problems({ a: { type: 'stdio', url: 'http://h/mcp' } })).toEqual([
      'mcpServers.a.type: is "stdio" but the server has a url',
    ]);
  });

  it('is a zod schema the main config can embed', () => {
    expect(mcpServersSchema.safeParse({ a: { command: 'x' } }).success).toBe(true);
    expect(mcpServersSchema.safeParse({ a: 5 }).success).toBe(false);
  });
});
