import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { McpHub, parseMcpServers } from '../../../src/tools/mcp/index.js';
import { freePort, stopProcess } from './helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(HERE, 'fixtures/modern-server.mjs');
// The fixture is built on the v2 server SDK, a dependency of Hydra's own MCP server (src/server/mcp).
const HAVE_V2_SERVER = existsSync(
  resolve(HERE, '../../../node_modules/@modelcontextprotocol/server/package.json'),
);

async function startHttpFixture(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [FIXTURE, 'http', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((ready, fail) => {
    child.stderr?.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && ready());
    child.once('exit', (code) => fail(new Error(`fixture exited with ${code}`)));
  });
  return child;
}

describe.runIf(HAVE_V2_SERVER)('protocol-era negotiation against a dual-era (v2 SDK) server', () => {
  const hubs: McpHub[] = [];
  let httpServer: ChildProcess | undefined;

  afterAll(async () => {
    await Promise.all(hubs.map((hub) => hub.close()));
    await stopProcess(httpServer);
  });

  it('stays legacy on stdio by default and goes modern when configured auto', async () => {
    const hub = new McpHub({
      servers: parseMcpServers({
        plain: { command: process.execPath, args: [FIXTURE] },
        probed: { command: process.execPath, args: [FIXTURE], versionNegotiation: 'auto' },
      }),
    });
    hubs.push(hub);
    expect((await hub.connect()).failed).toEqual([]);
    const eras = Object.fromEntries(hub.status().map((s) => [s.server, [s.protocolEra, s.protocolVersion]]));
    expect(eras).toEqual({ plain: ['legacy', '2025-11-25'], probed: ['modern', '2026-07-28'] });
    const add = hub.tools().find((tool) => tool.name === 'probed__add');
    expect(await add?.run({ a: 2, b: 3 })).toEqual({ ok: true, content: '5\n{"sum":5}' });
    expect(add?.annotations.readOnly).toBe(true);
  });

  it('probes HTTP servers by default and keeps working across a restart of a stateless modern server', async () => {
    const port = await freePort();
    httpServer = await startHttpFixture(port);
    const hub = new McpHub({ servers: parseMcpServers({ modern: { url: `http://127.0.0.1:${port}/mcp` } }) });
    hubs.push(hub);
    expect((await hub.connect()).failed).toEqual([]);
    expect(hub.status()[0]).toMatchObject({ protocolEra: 'modern', protocolVersion: '2026-07-28' });
    expect((await hub.callTool('modern', 'add', { a: 1, b: 2 })).structuredContent).toEqual({ sum: 3 });

    await stopProcess(httpServer);
    httpServer = await startHttpFixture(port);
    expect((await hub.callTool('modern', 'add', { a: 2, b: 2 })).structuredContent).toEqual({ sum: 4 });
  });
});
