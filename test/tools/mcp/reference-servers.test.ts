import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, ToolError } from '../../../src/errors/index.js';
import { McpHub, parseMcpServers } from '../../../src/tools/mcp/index.js';
import { serverBin } from './helpers.js';

/** server-filesystem and server-memory over stdio, plus a broken server that must not stop the others. */
describe('McpHub with the reference filesystem and memory servers (stdio)', () => {
  let dir: string;
  let hub: McpHub;

  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'hydra-mcp-')));
    await writeFile(join(dir, 'hello.txt'), 'Hello from Hydra\n');
    hub = new McpHub({
      servers: parseMcpServers({
        fs: { command: serverBin('mcp-server-filesystem'), args: [dir] },
        memory: {
          command: serverBin('mcp-server-memory'),
          env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
        },
        broken: { command: join(dir, 'no-such-server') },
        crashing: {
          command: process.execPath,
          args: ['-e', 'console.error("boom: no API key"); process.exit(2)'],
        },
        silent: {
          command: process.execPath,
          args: ['-e', 'setInterval(() => {}, 1000)'],
          connectTimeoutMs: 300,
        },
      }),
    });
  });

  afterAll(async () => {
    await hub?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('connects in parallel and reports the failing server without failing the rest', async () => {
    const report = await hub.connect();
    expect(report.connected.sort()).toEqual(['fs', 'memory']);
    const failed = Object.fromEntries(report.failed.map(({ server, error }) => [server, error]));
    expect(Object.keys(failed).sort()).toEqual(['broken', 'crashing', 'silent']);
    expect(failed['crashing']).toMatchObject({ code: 'tool_unavailable', retryable: true });
    expect(failed['crashing']?.message).toMatch(
      /Could not connect to MCP server "crashing".*stderr.*boom: no API key/s,
    );
    expect(failed['broken']).toBeInstanceOf(ConfigError);
    expect(failed['broken']?.message).toMatch(/could not be started.*Fix mcpServers\.broken\.command/s);
    expect(failed['silent']).toMatchObject({ code: 'tool_timeout', retryable: true });
    expect(failed['silent']?.message).toMatch(/did not answer connect within 300 ms/);
    const status = Object.fromEntries(hub.status().map((s) => [s.server, s]));
    expect(status['fs']).toMatchObject({ state: 'connected', transport: 'stdio', protocolEra: 'legacy' });
    expect(status['broken']?.state).toBe('disconnected');
  });

  it('fails fast during the reconnect backoff instead of respawning a broken server', async () => {
    const started = Date.now();
    const error: unknown = await hub.callTool('silent', 'anything').catch((reason: unknown) => reason);
    expect(Date.now() - started).toBeLessThan(100);
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({ code: 'tool_unavailable', retryable: true });
    expect((error as ToolError).data['retryAfterMs']).toBeGreaterThan(0);
    expect((error as ToolError).message).toMatch(/next reconnect attempt in \d+ ms/);
  });

  it('offers the tools as FunctionTools with mapped annotations and the server schema', () => {
    const tools = new Map(hub.tools().map((tool) => [tool.name, tool]));
    const read = tools.get('fs__read_text_file');
    expect(read?.annotations).toMatchObject({ readOnly: true, openWorld: false });
    expect(tools.get('fs__write_file')?.annotations).toMatchObject({ readOnly: false, destructive: true });
    expect(read?.definition.parameters).toMatchObject({ type: 'object', required: ['path'] });
    expect(tools.has('memory__create_entities')).toBe(true);
    const listed = hub.listTools().find((tool) => tool.toolName === 'fs__list_directory');
    expect(listed).toMatchObject({
      server: 'fs',
      name: 'list_directory',
      annotations: { readOnlyHint: true },
    });
  });

  it('lists, reads and writes files through the filesystem server', async () => {
    const tools = new Map(hub.tools().map((tool) => [tool.name, tool]));
    const listing = await tools.get('fs__list_directory')?.run({ path: dir });
    expect(listing).toEqual({ ok: true, content: expect.stringContaining('[FILE] hello.txt') });
    expect(await tools.get('fs__read_text_file')?.run({ path: join(dir, 'hello.txt') })).toMatchObject({
      ok: true,
      content: expect.stringContaining('Hello from Hydra'),
    });
    const write = await tools.get('fs__write_file')?.run({ path: join(dir, 'new.txt'), content: 'written' });
    expect(write?.ok).toBe(true);
    expect(await readFile(join(dir, 'new.txt'), 'utf8')).toBe('written');
    // Light validation answers without a round trip; the server's own refusal comes back as a tool error.
    expect((await tools.get('fs__read_text_file')?.run({}))?.content).toMatch(
      /Invalid arguments.*path: required/,
    );
    const outside = await tools.get('fs__read_text_file')?.run({ path: '/etc/hostname' });
    expect(outside).toMatchObject({
      ok: false,
      content: expect.stringMatching(/Access denied|outside allowed/i),
    });
  });

  it('creates entities and reads the graph through the memory server', async () => {
    const created = await hub.callTool('memory', 'create_entities', {
      entities: [{ name: 'Ada', entityType: 'person', observations: ['writes programs'] }],
    });
    expect(created.isError).toBe(false);
    const graph = await hub.callTool('memory', 'read_graph', {});
    expect(graph.isError).toBe(false);
    expect(graph.structuredContent).toMatchObject({ entities: [{ name: 'Ada', entityType: 'person' }] });
    expect(await readFile(join(dir, 'memory.jsonl'), 'utf8')).toContain('"Ada"');
  });
});
