import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const HYDRA_BIN = resolve(import.meta.dirname, '../../bin/hydra.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment without any Hydra settings inherited from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(HYDRA_|OPENAI_|ANTHROPIC_|DATABASE_URL$|REDIS_URL$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs the built `hydra` binary as a subprocess and collects its output. */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [HYDRA_BIN, ...args], {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Starts a long-running command and resolves once its stdout has printed a line matching `ready`. */
export function startCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; ready: RegExp },
): Promise<{ child: ChildProcess; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [HYDRA_BIN, ...args], {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (options.ready.test(output)) resolvePromise({ child, output });
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`exited with ${code} before ready: ${output}`)));
  });
}
