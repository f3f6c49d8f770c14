import type { CallToolResult } from '@modelcontextprotocol/server';

import { describeError, HydraError } from '../../errors/index.js';

/** A successful tool result: the value as JSON text (for any client) and as `structuredContent`. */
export function toolResult(value: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: value,
  };
}

/**
 * A failed tool call as an MCP tool error (`isError: true`), so the calling model reads the Hydra message and
 * can correct itself; the server keeps running. A compare-and-set conflict also carries the block's current
 * value and version, so the caller can merge and write again in one more call.
 */
export function toolError(error: unknown): CallToolResult {
  if (HydraError.isInstance(error)) {
    const lines = [error.message];
    const current = error.data['current'];
    if (error.code === 'conflict' && typeof current === 'string') {
      lines.push(`Current value (version ${String(error.data['version'])}):`, current);
    }
    return {
      isError: true,
      content: [{ type: 'text', text: lines.join('\n') }],
      structuredContent: { error: { code: error.code, message: error.message, data: error.data } },
    };
  }
  const message = `Internal error in Hydra: ${describeError(error)}`;
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    structuredContent: { error: { code: 'internal', message, data: {} } },
  };
}

/**
 * Runs a tool's work and turns any failure into a tool error; non-Hydra errors (bugs) are also reported to
 * `onError` so they reach the server's log (stderr), never stdout.
 */
export async function guarded(
  tool: string,
  work: () => Promise<Record<string, unknown>>,
  onError: ((error: unknown, tool: string) => void) | undefined,
): Promise<CallToolResult> {
  try {
    return toolResult(await work());
  } catch (error) {
    if (!HydraError.isInstance(error) || error.fault === 'internal') onError?.(error, tool);
    return toolError(error);
  }
}
