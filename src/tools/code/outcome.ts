/**
 * How a run ended, and the helpers that read what the guest sends: its failures (mapped to a
 * {@link CodeErrorReason} by QuickJS's own messages) and its JSON (parsed without prototype-polluting keys).
 */
import { describeError, HydraError } from '../../errors/index.js';
import type { CodeErrorReason } from './errors.js';
import type { CodeLimits } from './types.js';

export type Outcome =
  | { kind: 'ok'; resultJson: string | undefined }
  | { kind: 'failed'; reason: CodeErrorReason; message: string; cause?: unknown };

export function fail(reason: CodeErrorReason, message: string, cause?: unknown): Outcome {
  return cause === undefined
    ? { kind: 'failed', reason, message }
    : { kind: 'failed', reason, message, cause };
}

export function timeoutOutcome(limits: CodeLimits): Outcome {
  return fail('timeout', `The program did not finish within ${limits.timeoutMs} ms and was stopped.`);
}

export interface FailureContext {
  limits: CodeLimits;
  /** The deadline has passed: whatever the guest reports, the run timed out. */
  timedOut: boolean;
  /** A tool call was refused for the call limit; an uncaught failure is then reported as that. */
  toolLimitHit: boolean;
  /** The reason when no limit explains the failure (`runtime`, or `syntax` while compiling). */
  fallback: CodeErrorReason;
}

/** Maps a guest exception to an outcome: the limits by QuickJS's messages for them, else the fallback. */
export function classifyFailure(
  error: { name: string; message: string; stack: string },
  context: FailureContext,
): Outcome {
  const { name, message, stack } = error;
  const { limits } = context;
  if ((name === 'InternalError' && message === 'interrupted') || context.timedOut)
    return timeoutOutcome(limits);
  if (message === 'out of memory') {
    return fail('memory_limit', `The program ran out of memory (limit ${mib(limits.memoryBytes)}).`);
  }
  // QuickJS reports it as an InternalError at run time and as a SyntaxError while compiling.
  if (message === 'stack overflow') {
    return fail(
      'stack_limit',
      `Stack overflow: recursion went past the stack limit (${limits.stackBytes} bytes).`,
    );
  }
  const where = stack.split('\n').find((line) => line.includes('program.js'));
  const text = `${name}: ${message}${where ? ` (${where.trim()})` : ''}`;
  if (context.fallback === 'runtime' && context.toolLimitHit) return fail('tool_call_limit', text);
  return fail(context.fallback, text);
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses JSON from the guest without the two shapes that pollute prototypes in careless host code (deep
 * merges, `Object.assign`): `__proto__` keys, and `constructor` keys whose value has a `prototype` key
 * (the rule of secure-json-parse). Both are dropped.
 */
export function parseGuestJson(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => {
    if (key === '__proto__') return undefined;
    if (key === 'constructor' && isPlainObject(value) && Object.hasOwn(value, 'prototype')) return undefined;
    return value;
  });
}

/** The message the program sees for a failed tool call: the error's own message, without Hydra's code suffix. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error || HydraError.isInstance(error)) return error.message;
  return describeError(error);
}

function mib(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}
