import { readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';

import { z } from 'zod';

import { UserError } from '../errors/index.js';
import { defineTool, type FunctionTool } from './function-tool.js';

/** The current date and time, in UTC or an IANA time zone. */
export const currentTimeTool = defineTool({
  name: 'current_time',
  description:
    'Returns the current date and time as ISO 8601, optionally in an IANA time zone such as Europe/Paris.',
  parameters: z.object({ timezone: z.string().optional().describe('IANA time zone; UTC when omitted') }),
  annotations: { readOnly: true, idempotent: false },
  execute: ({ timezone }) => {
    const now = new Date();
    const zone = timezone ?? 'UTC';
    try {
      const local = now.toLocaleString('sv-SE', { timeZone: zone }).replace(' ', 'T');
      return { timezone: zone, iso: now.toISOString(), local };
    } catch {
      throw new UserError(
        'invalid_input',
        `Unknown time zone "${zone}"; use an IANA name such as "UTC" or "America/New_York".`,
      );
    }
  },
});

const MAX_FILE_BYTES = 64 * 1024;

/** Reads a UTF-8 text file below `root`; paths that escape it are refused. */
export function readFileTool(root: string): FunctionTool<{ path: string }> {
  return defineTool({
    name: 'read_file',
    description: `Reads a UTF-8 text file (at most ${MAX_FILE_BYTES / 1024} KiB) under the working directory.`,
    parameters: z.object({ path: z.string().min(1).describe('Path relative to the working directory') }),
    annotations: { readOnly: true, idempotent: true },
    execute: async ({ path }) => {
      const absolute = resolve(root, path);
      const inside = relative(root, absolute);
      if (inside.startsWith('..') || resolve(root, inside) !== absolute) {
        throw new UserError('invalid_input', `"${path}" is outside the working directory.`);
      }
      const info = await stat(absolute).catch(() => undefined);
      if (!info?.isFile()) throw new UserError('invalid_input', `"${path}" is not a file.`);
      if (info.size > MAX_FILE_BYTES)
        throw new UserError(
          'invalid_input',
          `"${path}" is ${info.size} bytes; the limit is ${MAX_FILE_BYTES}.`,
        );
      return readFile(absolute, 'utf8');
    },
  });
}

/** The tools `hydra run` gives its agent by default. */
export function defaultTools(root: string): FunctionTool[] {
  return [currentTimeTool, readFileTool(root)] as FunctionTool[];
}
