import type { Command } from 'commander';

import {
  createConfiguredKernel,
  createConfiguredProvider,
  openConfiguredMemory,
  openConfiguredStore,
} from '../../config/index.js';
import { describeError, UserError } from '../../errors/index.js';
import type { Kernel } from '../../kernel/index.js';
import {
  allowedHostnames,
  generateToken,
  keepStdoutForProtocol,
  parseAllowedOrigins,
  serveHydraMcpStdio,
  startMcpHttpServer,
  type HydraMcpDeps,
} from '../../server/mcp/index.js';
import { defaultTools } from '../../tools/index.js';
import { loadCliConfig } from '../context.js';
import { progress } from '../output.js';
import { parsePort, parsePositiveInt } from '../parse.js';

interface ServeFlags {
  http?: number;
  host: string;
  token?: string;
  allowOrigin?: string[];
  allowHost?: string[];
  model?: string;
  maxSteps?: number;
  dir?: string;
}

/** Commander collector for repeatable, comma-separated list options. */
function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ];
}

/** Resolves on SIGINT or SIGTERM, and on stdio when the client closes our stdin. */
function untilStopped(watchStdin: boolean): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (watchStdin) {
      process.stdin.once('end', () => resolve('stdin closed'));
      process.stdin.once('close', () => resolve('stdin closed'));
    }
  });
}

function enterDirectory(dir: string): void {
  try {
    process.chdir(dir);
  } catch (cause) {
    throw new UserError('invalid_input', `--dir ${dir}: ${describeError(cause)}`, {
      cause,
      data: { field: 'dir', value: dir },
    });
  }
}

export function registerMcpCommand(program: Command): void {
  const mcp = program
    .command('mcp')
    .description('Hydra as an MCP server, for Claude Desktop, Cursor or another Hydra.');

  mcp
    .command('serve')
    .description(
      "Serve Hydra's agents and their memory as MCP tools: on stdio (the default), or Streamable HTTP with --http.",
    )
    .option(
      '--http <port>',
      'serve Streamable HTTP at /mcp on this port instead of stdio (0: any free port)',
      parsePort,
    )
    .option('--host <address>', 'address to listen on with --http', '127.0.0.1')
    .option(
      '--token <token>',
      'bearer token HTTP clients must send (default: $HYDRA_MCP_TOKEN, else generated)',
    )
    .option(
      '--allow-origin <origins>',
      'browser origins allowed to call besides local ones, e.g. https://app.example.com (repeatable, comma-separated)',
      collectList,
    )
    .option(
      '--allow-host <names>',
      'extra hostnames the Host header may name, when clients reach the server by name (repeatable)',
      collectList,
    )
    .option(
      '--dir <path>',
      'work in this directory: its config file, its .hydra data, the read_file root (MCP clients often start servers in /)',
    )
    .option('-m, --model <id>', 'the model agents answer with (default: HYDRA_MODEL or config)')
    .option('--max-steps <n>', 'stop each send_message turn after this many model calls', parsePositiveInt)
    .addHelpText(
      'after',
      '\nExamples:\n  hydra mcp serve                                   # stdio, for Claude Desktop or Cursor\n' +
        '  HYDRA_MCP_TOKEN=... hydra mcp serve --http 7331   # http://127.0.0.1:7331/mcp\n' +
        '\nSee docs/mcp-server.md.',
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const http = flags.http !== undefined;
      // On stdio, stdout is the protocol stream: from here on every log line goes to stderr.
      if (!http) keepStdoutForProtocol();
      if (flags.dir !== undefined) enterDirectory(flags.dir);
      const { config } = await loadCliConfig(command, { model: flags.model });
      const allowedOrigins = parseAllowedOrigins(flags.allowOrigin ?? []);
      const store = await openConfiguredStore(config);
      let kernel: Kernel | undefined;
      try {
        const memory = await openConfiguredMemory(config, store);
        const providers = config.model === undefined ? [] : [await createConfiguredProvider(config)];
        if (providers.length === 0)
          progress(
            'hydra: no model configured (HYDRA_MODEL or --model): send_message will fail, memory tools work.',
          );
        kernel = createConfiguredKernel(config, providers);
        const onError = (error: unknown, context: string): void =>
          progress(`hydra: ${context}: ${describeError(error)}`);
        const deps: HydraMcpDeps = {
          memory,
          kernel,
          tools: defaultTools(process.cwd()),
          turn: {
            maxSteps: flags.maxSteps ?? config.agent.maxSteps,
            policy: {
              warnAt: config.memory.warnAt,
              compactAt: config.memory.compactAt,
              compactTo: config.memory.compactTo,
              keepLast: 3,
            },
          },
          onError,
        };
        const transportError = (error: Error): void => onError(error, 'mcp transport');
        const stopped = untilStopped(!http);
        if (flags.http !== undefined) {
          const token = flags.token ?? (process.env['HYDRA_MCP_TOKEN'] || undefined) ?? generateToken();
          if (flags.token === undefined && !process.env['HYDRA_MCP_TOKEN'])
            progress(`hydra: generated bearer token (set HYDRA_MCP_TOKEN to choose one): ${token}`);
          const running = await startMcpHttpServer({
            deps,
            token,
            port: flags.http,
            host: flags.host,
            allowedHosts: allowedHostnames(flags.host, flags.allowHost ?? []),
            allowedOrigins,
            onError: transportError,
          });
          if (['0.0.0.0', '::'].includes(flags.host))
            progress(`hydra: listening on all interfaces; anyone with the token can drive your agents.`);
          progress(`hydra: MCP server (Streamable HTTP) listening on ${running.url}`);
          progress(`hydra: stopped (${await stopped})`);
          await running.close();
        } else {
          const handle = serveHydraMcpStdio(deps, { onError: transportError });
          progress('hydra: MCP server ready on stdio');
          progress(`hydra: stopped (${await stopped})`);
          await handle.close();
          process.stdin.destroy();
        }
      } finally {
        await kernel?.close();
        await store.close();
      }
    });
}
