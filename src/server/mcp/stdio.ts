import { serveStdio, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';

import { createHydraMcpServer } from './server.js';
import type { HydraMcpDeps } from './types.js';

/**
 * Serves a Hydra MCP server on this process's stdin/stdout (the client launched us). stdout then carries
 * only protocol messages: call {@link keepStdoutForProtocol} first so stray console output goes to stderr.
 */
export function serveHydraMcpStdio(
  deps: HydraMcpDeps,
  options: { onError?: ((error: Error) => void) | undefined } = {},
): StdioServerHandle {
  return serveStdio(() => createHydraMcpServer(deps), {
    ...(options.onError ? { onerror: options.onError } : {}),
  });
}

/**
 * Routes `console.log`/`info`/`debug` to stderr for the rest of the process, so nothing (Hydra or a
 * dependency) can corrupt the stdio protocol stream with a stray line.
 */
export function keepStdoutForProtocol(): void {
  const toStderr = (...args: unknown[]): void => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}
