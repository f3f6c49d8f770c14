import { readFile } from 'node:fs/promises';

import type { Command } from 'commander';

import { ConfigError } from '../../errors/index.js';
import { SimModelServer, type SimModelOptions } from '../../testing/index.js';
import { printJson, progress } from '../output.js';
import { parseNonNegativeNumber, parsePort, parsePositiveInt, parseRate } from '../parse.js';

interface SimModelFlags {
  port: number;
  host: string;
  script?: string;
  seed?: number;
  model?: string;
  slots?: number;
  reject?: boolean;
  contextWindow?: number;
  prefillMsPerToken?: number;
  decodeMsPerToken?: number;
  rate429?: number;
  rate500?: number;
  rateHang?: number;
  rateMalformedToolJson?: number;
  json?: boolean;
}

export function registerSimModelCommand(program: Command): void {
  program
    .command('sim-model')
    .description(
      "Serve Hydra's simulated OpenAI-compatible model (scripted, deterministic) for tests and benchmarks. It is not a model.",
    )
    .option('-p, --port <n>', 'port to listen on (0 picks a free one)', parsePort, 8787)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option(
      '-s, --script <file>',
      'JSON file with simulator options: rules, latency, slots, faults (see docs/sim-model.md)',
    )
    .option('--seed <n>', 'seed for every random choice', parsePositiveInt)
    .option('--model <name>', 'model name the server reports')
    .option('--slots <n>', 'concurrent generation slots', parsePositiveInt)
    .option('--reject', 'reject requests beyond the slots with 429 instead of queueing them')
    .option(
      '--context-window <tokens>',
      'context window; longer prompts get context_length_exceeded',
      parsePositiveInt,
    )
    .option('--prefill-ms-per-token <ms>', 'prefill latency per prompt token', parseNonNegativeNumber)
    .option('--decode-ms-per-token <ms>', 'decode latency per generated token', parseNonNegativeNumber)
    .option('--rate-429 <rate>', 'share of requests answered with 429', parseRate)
    .option('--rate-500 <rate>', 'share of requests answered with 500', parseRate)
    .option('--rate-hang <rate>', 'share of requests that never answer', parseRate)
    .option('--rate-malformed-tool-json <rate>', 'share of tool calls with broken JSON arguments', parseRate)
    .option('--json', 'print the listening address as JSON')
    .action(async (flags: SimModelFlags) => {
      const server = new SimModelServer(await simOptionsFrom(flags));
      const { url, port } = await server.start(flags.port, flags.host);
      if (flags.json) printJson({ url, port });
      else {
        progress(`Simulated model server (scripted replies, not a model) listening on ${url}`);
        progress(`Counters: ${url.replace(/\/v1$/, '')}/sim/stats. Stop with Ctrl-C.`);
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.stop();
    });
}

async function simOptionsFrom(flags: SimModelFlags): Promise<SimModelOptions> {
  const base = flags.script ? await readScript(flags.script) : {};
  const latency = { ...(base.latency ?? {}) };
  if (flags.prefillMsPerToken !== undefined) latency.prefillMsPerToken = flags.prefillMsPerToken;
  if (flags.decodeMsPerToken !== undefined) latency.decodeMsPerToken = flags.decodeMsPerToken;
  const faults = { ...(base.faults ?? {}) };
  if (flags.rate429 !== undefined) faults.rate429 = flags.rate429;
  if (flags.rate500 !== undefined) faults.rate500 = flags.rate500;
  if (flags.rateHang !== undefined) faults.rateHang = flags.rateHang;
  if (flags.rateMalformedToolJson !== undefined) faults.rateMalformedToolJson = flags.rateMalformedToolJson;
  return {
    ...base,
    latency,
    faults,
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.slots !== undefined ? { slots: flags.slots } : {}),
    ...(flags.reject ? { overflow: 'reject' as const } : {}),
    ...(flags.contextWindow !== undefined ? { contextWindow: flags.contextWindow } : {}),
  };
}

async function readScript(path: string): Promise<SimModelOptions> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`Cannot read the simulator script ${path}: ${(cause as Error).message}`, {
      code: 'config_not_found',
      cause,
    });
  }
  try {
    return JSON.parse(text) as SimModelOptions;
  } catch (cause) {
    throw new ConfigError(`The simulator script ${path} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
}
