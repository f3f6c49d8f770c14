/**
 * The tool catalog as programs and the model see it: search with progressive disclosure (names, one-line
 * descriptions, or full TypeScript declarations), and the bridge that turns `servers.<server>.<tool>(args)`
 * into `CodeToolProvider.callTool`.
 */
import { UserError } from '../../errors/index.js';
import { generateDeclarations } from './declarations.js';
import type { SandboxToolBridge } from './execution.js';
import type { CodeToolInfo, CodeToolProvider } from './types.js';

/** How much search_tools shows of each tool. */
export type DetailLevel = 'name' | 'description' | 'full';

/** The path a program calls a tool by. */
export function toolPath(tool: Pick<CodeToolInfo, 'server' | 'name'>): string {
  const part = (name: string): string =>
    /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
  return `servers${part(tool.server)}${part(tool.name)}`;
}

const words = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);

/**
 * The tools that match `query`, best first: each query word found in the server or tool name scores 3, in
 * the description 1; tools that match no word are left out. An empty query matches every tool (in catalog
 * order).
 */
export function searchTools(tools: readonly CodeToolInfo[], query: string, limit: number): CodeToolInfo[] {
  const terms = words(query);
  if (terms.length === 0) return tools.slice(0, limit);
  const wanted = query.toLowerCase();
  const scored = tools.map((tool, index) => {
    const name = tool.name.toLowerCase();
    // The tool's own words: read_text_file -> read, text, file (a query word "files" still matches "file").
    const nameWords = name.split(/[^a-z0-9]+/).filter(Boolean);
    const server = tool.server.toLowerCase();
    const description = tool.description.toLowerCase();
    // A query that names a tool exactly wants that tool above every partial match.
    let score = new RegExp(`(^|[^a-z0-9_])${escapeRegExp(name)}($|[^a-z0-9_])`).test(wanted) ? 100 : 0;
    for (const term of terms) {
      if (
        nameWords.some(
          (word) => word === term || word === term.replace(/s$/, '') || term === word.replace(/s$/, ''),
        )
      )
        score += 4;
      else if (name.includes(term)) score += 2;
      else if (description.includes(term)) score += 1;
      else if (server.includes(term)) score += 0.25;
    }
    return { tool, index, score };
  });
  return scored
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, limit)
    .map((entry) => entry.tool);
}

/** The first line of a description, at most 200 characters. */
function summary(description: string): string {
  const line = description.trim().split(/\r?\n/)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Renders matched tools at a detail level, for the model. */
export function renderTools(matches: readonly CodeToolInfo[], detail: DetailLevel): string {
  if (detail === 'full') return generateDeclarations(matches, { header: false });
  return matches
    .map((tool) => (detail === 'name' ? toolPath(tool) : `${toolPath(tool)} — ${summary(tool.description)}`))
    .join('\n');
}

/** Tool names by server, as the sandbox's `servers` object offers them. */
export function catalogOf(tools: readonly CodeToolInfo[]): Record<string, string[]> {
  const catalog: Record<string, string[]> = {};
  for (const tool of tools) {
    const names = Object.hasOwn(catalog, tool.server) ? catalog[tool.server] : undefined;
    if (names) {
      if (!names.includes(tool.name)) names.push(tool.name);
    } else
      Object.defineProperty(catalog, tool.server, { value: [tool.name], enumerable: true, writable: true });
  }
  return catalog;
}

/**
 * The bridge a run calls tools through. A tool with an `outputSchema` resolves with its structured content
 * (its text when it returned none); a tool without one resolves with its text, as its declaration says. A
 * result with `isError` rejects, and the program sees a catchable `ToolError` with the tool's text.
 */
export function toolBridge(provider: CodeToolProvider, tools: readonly CodeToolInfo[]): SandboxToolBridge {
  const structured = new Set(
    tools.filter((tool) => tool.outputSchema).map((tool) => `${tool.server}\0${tool.name}`),
  );
  return {
    catalog: catalogOf(tools),
    async call(server, name, args, signal) {
      const result = await provider.callTool(server, name, args, { signal });
      if (result.isError) {
        throw new UserError(
          'invalid_input',
          result.content || `servers.${server}.${name} reported an error.`,
        );
      }
      if (structured.has(`${server}\0${name}`) && result.structuredContent !== undefined) {
        return result.structuredContent;
      }
      return result.content;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
