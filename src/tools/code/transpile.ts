import { transform } from 'sucrase';

import { CodeExecutionError } from './errors.js';

/**
 * The program is the body of an async function. This prefix opens it on the program's first line, so line
 * numbers in errors and stack traces are the program's own.
 */
export const PROGRAM_PREFIX = '(async function () {';
const PROGRAM_SUFFIX = '\n})';

/**
 * Wraps a program (the body of an async function: `await` and `return` work at its top level) into a
 * function expression, stripping TypeScript types with sucrase when `typescript` is set. Sucrase only
 * removes types (and compiles `enum`s); it does not type-check. Plain JavaScript passes through unchanged.
 * Throws a {@link CodeExecutionError} with reason `syntax` when the program does not parse.
 */
export function wrapProgram(code: string, typescript: boolean): string {
  const wrapped = `${PROGRAM_PREFIX}${code}${PROGRAM_SUFFIX}`;
  if (!typescript) return wrapped;
  try {
    return transform(wrapped, { transforms: ['typescript'], disableESTransforms: true, production: true })
      .code;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CodeExecutionError('syntax', `SyntaxError: ${programPosition(message)}`, {
      cause: error,
      data: { logs: [], toolCalls: 0 },
    });
  }
}

/** Rewrites sucrase's `(line:column)` so a column on the first line counts from the program's start. */
function programPosition(message: string): string {
  return message.replace(/\((\d+):(\d+)\)$/, (_, line: string, column: string) => {
    const col = line === '1' ? Math.max(1, Number(column) - PROGRAM_PREFIX.length) : Number(column);
    return `(line ${line}, column ${col})`;
  });
}
