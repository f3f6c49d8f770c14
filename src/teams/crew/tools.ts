import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

import { z } from 'zod';

import { InternalError } from '../../errors/index.js';

import { createCodeTools, defineTool, type CodeToolProvider, type FunctionTool } from '../../tools/index.js';

const SKIP = new Set(['node_modules', '.git', 'dist', 'coverage', '.hydra']);
const MAX_FILES = 5_000;
const MAX_FILE_BYTES = 256 * 1024;

/**
 * `search_files`: the built-in stand-in for a search server — case-insensitive text search over the files
 * under `root` (skipping node_modules, .git, dist and files over 256 KiB), answering `path:line: text`.
 */
export function searchFilesTool(root: string): FunctionTool {
  return defineTool({
    name: 'search_files',
    description:
      'Searches the text files under the working directory for a word or phrase (case-insensitive) and lists matching lines as path:line: text. Read a file with read_file.',
    parameters: z.object({
      query: z.string().min(1).describe('Text to look for'),
      limit: z.number().int().min(1).max(100).default(20).describe('Most matching lines to return'),
    }),
    annotations: { readOnly: true, idempotent: true },
    execute: async ({ query, limit }) => {
      const needle = query.toLowerCase();
      const matches: string[] = [];
      let files = 0;
      const walk = async (dir: string): Promise<void> => {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
          if (matches.length >= limit || files >= MAX_FILES) return;
          const path = join(dir, entry.name);
          if (entry.isDirectory()) {
            if (!SKIP.has(entry.name)) await walk(path);
            continue;
          }
          if (!entry.isFile()) continue;
          files++;
          const info = await stat(path).catch(() => undefined);
          if (!info || info.size > MAX_FILE_BYTES) continue;
          const text = await readFile(path, 'utf8').catch(() => '');
          if (text.includes('\u0000')) continue; // binary
          text.split('\n').forEach((line, index) => {
            if (matches.length < limit && line.toLowerCase().includes(needle))
              matches.push(`${relative(root, path)}:${index + 1}: ${line.trim().slice(0, 200)}`);
          });
        }
      };
      await walk(root);
      return matches.length > 0
        ? matches.join('\n')
        : `No line under the working directory contains "${query}".`;
    },
  }) as FunctionTool;
}

/** A code-tool provider with no tools: `execute_code` then runs plain JavaScript in the sandbox. */
const NO_TOOLS: CodeToolProvider = {
  listTools: async () => [],
  callTool: async (server, name) => ({
    content: `No MCP server is configured, so servers.${server}.${name} does not exist.`,
    isError: true,
  }),
};

/**
 * `execute_code` (the QuickJS sandbox of src/tools/code), for running and checking code. With no MCP
 * provider the program has no tools, which is what testing a snippet needs.
 */
export function sandboxCodeTool(provider: CodeToolProvider = NO_TOOLS): FunctionTool {
  const tool = createCodeTools({ provider }).find((candidate) => candidate.name === 'execute_code');
  if (!tool) throw new InternalError('createCodeTools no longer provides execute_code');
  return tool;
}
