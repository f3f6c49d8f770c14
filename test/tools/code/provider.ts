import type { CodeToolInfo, CodeToolProvider, CodeToolResult } from '../../../src/tools/code/index.js';

/** One tool of the in-test provider: its MCP-like listing, and a plain function that implements it. */
export interface TestTool extends Omit<CodeToolInfo, 'server' | 'name'> {
  run(args: Record<string, unknown>, signal: AbortSignal | undefined): unknown;
}

/**
 * A {@link CodeToolProvider} backed by plain functions: the seam the MCP hub implements, doubled for unit
 * tests. A function's return value becomes `structuredContent` (and its JSON the text content); a thrown
 * error becomes an `isError` result, as an MCP server reports tool failures. `calls` records every call.
 */
export class FunctionProvider implements CodeToolProvider {
  readonly calls: Array<{ server: string; name: string; args: Record<string, unknown> }> = [];

  constructor(private readonly servers: Record<string, Record<string, TestTool>>) {}

  async listTools(): Promise<CodeToolInfo[]> {
    return Object.entries(this.servers).flatMap(([server, tools]) =>
      Object.entries(tools).map(([name, { run: _run, ...info }]) => ({ server, name, ...info })),
    );
  }

  async callTool(
    server: string,
    name: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal },
  ): Promise<CodeToolResult> {
    this.calls.push({ server, name, args });
    const tool = this.servers[server]?.[name];
    if (!tool) return { content: `Unknown tool ${server}.${name}`, isError: true };
    try {
      const value = await tool.run(args, options.signal);
      const content = typeof value === 'string' ? value : JSON.stringify(value);
      return { content, structuredContent: value, isError: false };
    } catch (error) {
      return { content: error instanceof Error ? error.message : String(error), isError: true };
    }
  }
}

const object = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
});

/** A small catalog used across the suite: a spreadsheet with many rows, a CRM, and a few odd tools. */
export function sampleProvider(): FunctionProvider {
  const rows = Array.from({ length: 10_000 }, (_, i) => ({
    id: i,
    status: i % 1000 === 0 ? 'pending' : 'done',
    amount: i % 7,
  }));
  return new FunctionProvider({
    sheets: {
      get_sheet: {
        description: 'Returns every row of a spreadsheet.',
        inputSchema: object({ sheetId: { type: 'string', description: 'The sheet id' } }),
        outputSchema: object({
          rows: {
            type: 'array',
            items: object({
              id: { type: 'integer' },
              status: { enum: ['pending', 'done'] },
              amount: { type: 'number' },
            }),
          },
        }),
        run: () => ({ rows }),
      },
    },
    crm: {
      update_record: {
        description: 'Updates a CRM record.\nReturns a confirmation text.',
        inputSchema: object(
          { id: { type: 'string' }, fields: { type: 'object', additionalProperties: { type: 'string' } } },
          ['id'],
        ),
        run: (args) => `updated ${String(args['id'])}`,
      },
      slow_echo: {
        description: 'Echoes its text after a delay.',
        inputSchema: object({ text: { type: 'string' }, ms: { type: 'integer' } }, ['text']),
        outputSchema: object({ text: { type: 'string' } }),
        run: async (args, signal) => {
          await new Promise((resolve) =>
            setTimeout(resolve, typeof args['ms'] === 'number' ? args['ms'] : 20),
          );
          if (signal?.aborted) throw new Error('aborted');
          return { text: args['text'] };
        },
      },
      fail: {
        description: 'Always fails.',
        inputSchema: object({}),
        run: () => {
          throw new Error('CRM is down');
        },
      },
    },
  });
}
