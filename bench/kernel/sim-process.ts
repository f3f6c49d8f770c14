/**
 * The simulated model in its own process, so the model and the harness each get a core.
 *
 * As a child: `node --import tsx bench/kernel/sim-process.ts '<SimModelOptions JSON>'` starts a
 * `SimModelServer` on a free port and prints one JSON line `{"url": ...}`. A line `stop` on stdin makes it
 * print `{"cpuMs", "loopDelayP99Ms", "loopDelayMaxMs"}` (its own CPU time and event-loop delay, to tell
 * whether the simulator was the bottleneck) and exit. It also exits if the parent closes stdin.
 *
 * As a module: `startSimProcess(options)` spawns that child and returns a handle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

import { SimModelServer, type SimModelOptions, type SimModelStats } from '../../src/testing/index.js';

export interface SimProcessReport {
  cpuMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export interface SimProcess {
  /** OpenAI base URL, ending in /v1. */
  url: string;
  stats(): Promise<SimModelStats>;
  /** Stops the server and the process; resolves with the process's own CPU and event-loop figures. */
  stop(): Promise<SimProcessReport>;
}

const SELF = fileURLToPath(import.meta.url);

async function child(optionsJson: string): Promise<void> {
  const server = new SimModelServer(JSON.parse(optionsJson) as SimModelOptions);
  const { url } = await server.start(0);
  const cpuStart = process.cpuUsage();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  let stopping = false;
  const finish = async (report: boolean): Promise<void> => {
    if (stopping) return;
    stopping = true;
    delay.disable();
    const cpu = process.cpuUsage(cpuStart);
    await server.stop();
    if (report) {
      const figures: SimProcessReport = {
        cpuMs: (cpu.user + cpu.system) / 1000,
        loopDelayP99Ms: delay.percentile(99) / 1e6,
        loopDelayMaxMs: delay.max / 1e6,
      };
      process.stdout.write(`${JSON.stringify(figures)}\n`, () => process.exit(0));
    } else process.exit(0);
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === 'stop') void finish(true);
  });
  lines.on('close', () => void finish(false));
}

/** Reads JSON lines from a child's stdout, one at a time. */
function lineReader(proc: ChildProcess): () => Promise<string> {
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  if (!proc.stdout) throw new Error('sim process has no stdout');
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else queue.push(line);
  });
  return () => {
    const line = queue.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      waiting.push(resolve);
      proc.once('exit', (code) => reject(new Error(`sim process exited (${String(code)})`)));
    });
  };
}

/** Spawns a fresh simulated model server process with `options` and waits until it listens. */
export async function startSimProcess(options: SimModelOptions): Promise<SimProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    // `--import tsx` resolves from the working directory: run from the repository root.
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
  });
  const nextLine = lineReader(proc);
  const { url } = JSON.parse(await nextLine()) as { url: string };
  const root = url.replace(/\/v1$/, '');
  return {
    url,
    stats: async () => (await (await fetch(`${root}/sim/stats`)).json()) as SimModelStats,
    stop: async () => {
      proc.stdin?.write('stop\n');
      const report = JSON.parse(await nextLine()) as SimProcessReport;
      proc.stdin?.end();
      return report;
    },
  };
}

if (process.argv[1] === SELF) {
  const optionsJson = process.argv[2];
  if (optionsJson === undefined) {
    console.error('usage: node --import tsx bench/kernel/sim-process.ts <options-json>');
    process.exit(2);
  }
  await child(optionsJson);
}
