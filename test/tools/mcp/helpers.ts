import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Absolute path of an installed server's executable in node_modules/.bin (no npx, no network). */
export function serverBin(
  name: 'mcp-server-filesystem' | 'mcp-server-memory' | 'mcp-server-everything',
): string {
  const path = resolve(ROOT, 'node_modules/.bin', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm install (it is a devDependency).`);
  return path;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** server-everything in its Streamable HTTP mode (`mcp-server-everything streamableHttp`, port from PORT). */
export async function startEverythingHttp(port: number): Promise<ChildProcess> {
  const child = spawn(serverBin('mcp-server-everything'), ['streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolveStart, reject) => {
    const timer = setTimeout(
      () => reject(new Error('server-everything (HTTP) did not start within 10 s')),
      10_000,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on port')) {
        clearTimeout(timer);
        resolveStart();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything (HTTP) exited with ${code}`));
    });
  });
  return child;
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGKILL');
  await exited;
}
