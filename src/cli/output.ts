import { describeError, HydraError } from '../errors/index.js';

/** Exit codes of the `hydra` command, documented in README.md. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  unavailable: 69,
  internal: 70,
  config: 78,
  interrupted: 130,
} as const;

/** Maps an error to the exit code a script can act on. */
export function exitCodeFor(error: unknown): number {
  if (!HydraError.isInstance(error)) return EXIT.internal;
  // After the kernel's retries, what matters to a script is why the last attempt failed.
  if (error.code === 'escalated' && HydraError.isInstance(error.cause)) return exitCodeFor(error.cause);
  if (error.code === 'aborted') return EXIT.interrupted;
  if (error.fault === 'internal') return EXIT.internal;
  if (
    error.code.startsWith('config_') ||
    error.code === 'model_not_configured' ||
    error.code === 'model_id_invalid'
  )
    return EXIT.config;
  // The caller's input was wrong (bad arguments, an unknown id, a stale approval): fix it and run again.
  if (error.fault === 'user') return EXIT.usage;
  if (['provider_unavailable', 'provider_timeout', 'tool_unavailable', 'tool_timeout'].includes(error.code))
    return EXIT.unavailable;
  return EXIT.failure;
}

/** Progress and diagnostics go to stderr so stdout stays the answer (or JSON) a script can pipe. */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a failure for a person (or as JSON), and returns its exit code. */
export function reportFailure(error: unknown, json: boolean): number {
  const code = exitCodeFor(error);
  if (json) {
    const body = HydraError.isInstance(error)
      ? error.toJSON()
      : { name: 'Error', code: 'internal', message: describeError(error) };
    process.stdout.write(`${JSON.stringify({ ok: false, error: body })}\n`);
  } else {
    process.stderr.write(`hydra: ${describeError(error)}\n`);
    if (code === EXIT.internal && error instanceof Error && error.stack)
      process.stderr.write(`${error.stack}\n`);
  }
  return code;
}
