import { z } from 'zod';

import { ConfigError } from '../../errors/index.js';

/**
 * `mcpServers`: the MCP servers Hydra's agents may use, in the shape Claude Desktop, Cursor and Claude Code
 * use (`{ "<name>": { command, args?, env?, cwd? } | { url, headers? } }`), so an existing config can be pasted.
 */

/** Server names become tool-name prefixes (`<server>__<tool>`), so they must be valid in a tool name. */
const SERVER_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/** Protocol-era negotiation: `legacy` = 2025 `initialize` handshake, `auto` = probe for 2026-07-28, `pin` = exactly one. */
export type McpVersionNegotiation = 'auto' | 'legacy' | { pin: string };

interface CommonServerConfig {
  /** Default per-call timeout (tool calls, reads, listings). */
  timeoutMs: number;
  /** Time allowed for starting/connecting and the handshake, including the first tool listing. */
  connectTimeoutMs: number;
  /** Unset = `auto` for HTTP, `legacy` for stdio (an `auto` probe on stdio spawns a throwaway sibling process). */
  versionNegotiation?: McpVersionNegotiation;
}

export interface McpStdioServerConfig extends CommonServerConfig {
  transport: 'stdio';
  command: string;
  args: string[];
  /** Added to the SDK's safe default environment (PATH, HOME, ...), not replacing it. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface McpHttpServerConfig extends CommonServerConfig {
  transport: 'http';
  url: string;
  headers?: Record<string, string>;
}

export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;

const STDIO_ONLY = ['args', 'env', 'cwd'] as const;
const HTTP_ONLY = ['headers'] as const;

const versionNegotiationSchema = z.union([
  z.enum(['auto', 'legacy']),
  z.strictObject({
    pin: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a protocol revision such as "2026-07-28"'),
  }),
]);

const serverEntrySchema = z
  .strictObject({
    /** Accepted for configs copied from Claude Code / VS Code; the transport follows from command or url. */
    type: z.enum(['stdio', 'http', 'streamable-http']).optional(),
    command: z.string().min(1, 'must be the executable to start, e.g. "npx" or an absolute path').optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().min(1).optional(),
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:3001/mcp' })
      .optional(),
    headers: z.record(z.string(), z.string()).optional(),
    timeoutMs: z.number().int().positive().optional(),
    connectTimeoutMs: z.number().int().positive().optional(),
    disabled: z.boolean().optional(),
    versionNegotiation: versionNegotiationSchema.optional(),
  })
  .superRefine((entry, context) => {
    const hasCommand = entry.command !== undefined;
    const hasUrl = entry.url !== undefined;
    if (hasCommand && hasUrl) {
      context.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'give either command (a stdio server) or url (a Streamable HTTP server), not both',
      });
    } else if (!hasCommand && !hasUrl) {
      context.addIssue({
        code: 'custom',
        path: [],
        message: 'needs command (to start a stdio server) or url (to reach a Streamable HTTP server)',
      });
    }
    if (entry.type === 'stdio' && hasUrl) {
      context.addIssue({ code: 'custom', path: ['type'], message: 'is "stdio" but the server has a url' });
    }
    if ((entry.type === 'http' || entry.type === 'streamable-http') && hasCommand) {
      context.addIssue({
        code: 'custom',
        path: ['type'],
        message: `is "${entry.type}" but the server has a command`,
      });
    }
    for (const key of hasUrl ? STDIO_ONLY : hasCommand ? HTTP_ONLY : []) {
      if (entry[key] !== undefined) {
        const applies = hasUrl ? 'stdio servers (with command)' : 'HTTP servers (with url)';
        context.addIssue({ code: 'custom', path: [key], message: `applies only to ${applies}` });
      }
    }
  });

type ServerEntry = z.output<typeof serverEntrySchema>;

/** The normalised config of one server; `undefined` for a disabled one. */
function normalise(entry: ServerEntry): McpServerConfig | undefined {
  if (entry.disabled === true) return undefined;
  const common: CommonServerConfig = {
    timeoutMs: entry.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    connectTimeoutMs: entry.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ...(entry.versionNegotiation !== undefined ? { versionNegotiation: entry.versionNegotiation } : {}),
  };
  if (entry.url !== undefined) {
    return {
      ...common,
      transport: 'http',
      url: entry.url,
      ...(entry.headers ? { headers: entry.headers } : {}),
    };
  }
  return {
    ...common,
    transport: 'stdio',
    command: entry.command ?? '',
    args: entry.args ?? [],
    ...(entry.env ? { env: entry.env } : {}),
    ...(entry.cwd !== undefined ? { cwd: entry.cwd } : {}),
  };
}

/**
 * The `mcpServers` config section. Output: every enabled server, normalised (`transport` set, defaults
 * filled); disabled servers are dropped here so nothing downstream has to remember to skip them.
 */
export const mcpServersSchema = z
  .record(z.string(), serverEntrySchema)
  .superRefine((servers, context) => {
    // Checked here rather than as the record's key schema, whose failure zod reports as "Invalid key in record".
    for (const name of Object.keys(servers)) {
      if (!SERVER_NAME.test(name)) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: 'server names must be 1-64 letters, digits, "_" or "-" (they prefix tool names)',
        });
      }
    }
  })
  .transform((servers) => {
    const enabled: Record<string, McpServerConfig> = {};
    for (const [name, entry] of Object.entries(servers)) {
      const config = normalise(entry);
      if (config) enabled[name] = config;
    }
    return enabled;
  });

/** What a user writes under `mcpServers`. */
export type McpServersInput = z.input<typeof mcpServersSchema>;
/** Validated, normalised, enabled servers by name. */
export type McpServersConfig = z.output<typeof mcpServersSchema>;

/** Validates `mcpServers` outside the main config loader, with one line per problem naming the field. */
export function parseMcpServers(value: unknown, where = 'mcpServers'): McpServersConfig {
  const result = mcpServersSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = [where, ...issue.path.map(String)].join('.');
    const keys = 'keys' in issue && Array.isArray(issue.keys) ? ` ${issue.keys.join(', ')}` : '';
    return { field, message: `${field}: ${issue.message}${keys}` };
  });
  throw new ConfigError(
    `Invalid MCP server configuration:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
    {
      data: { field: problems[0]?.field, problems },
    },
  );
}
