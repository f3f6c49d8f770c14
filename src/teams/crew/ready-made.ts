import { ConfigError } from '../../errors/index.js';
import { currentTimeTool, readFileTool, type FunctionTool } from '../../tools/index.js';
import { defineCrew, type Crew, type CrewInput } from './definition.js';
import { sandboxCodeTool, searchFilesTool } from './tools.js';

export interface ReadyCrewOptions {
  /** Directory the built-in file tools work under (default: the current directory). */
  root?: string | undefined;
  /**
   * Tools already available, e.g. the CLI toolbox (built-ins, MCP servers' tools, code tools). A crew
   * takes the MCP tools it can use from here, and prefers these over its own built-ins of the same name.
   */
  tools?: readonly FunctionTool[] | undefined;
  /** Fail at creation when the MCP tools a crew is built for are missing, instead of degrading. */
  requireMcp?: boolean | undefined;
  /** Memory agents that may read the crew's shared block (read-only). */
  observers?: string[] | undefined;
  /** Crew name (default: the crew's kind), e.g. to keep two research crews' memories apart. */
  name?: string | undefined;
}

/** A ready-made crew: its definition (tasks use `{goal}`), the tools it needs, and how it degraded. */
export interface ReadyCrew {
  crew: Crew;
  tools: FunctionTool[];
  /** One line per capability that fell back to a built-in (empty when every MCP tool was found). */
  notes: string[];
}

// The MCP tools a crew role looks for, by name: MCP tools are named `<server>__<tool>`.
const HYDRA_SEARCHES = new Set([
  'search_files',
  'search_tools',
  'archival_memory_search',
  'conversation_search',
]);
const WEB_SEARCH = /search/i;
const WEB_FETCH = /fetch|scrape|browse|read_url|get_url|crawl/i;
const FILE_WRITE = /write_file|edit_file|create_file|apply_patch/i;
const OBSERVE = /metric|logs?\b|log_|status|health|describe|get_events|query/i;
const ACT = /restart|deploy|rollback|scale|exec|shell|run_command|write_file|edit_file/i;

class Kit {
  readonly notes: string[] = [];
  readonly #given: readonly FunctionTool[];
  readonly #chosen = new Map<string, FunctionTool>();

  constructor(
    readonly crew: string,
    readonly options: ReadyCrewOptions,
  ) {
    this.#given = options.tools ?? [];
  }

  /** A built-in tool, or the given tool of the same name. */
  builtin(tool: FunctionTool): string {
    const chosen = this.#given.find((candidate) => candidate.name === tool.name) ?? tool;
    this.#chosen.set(chosen.name, chosen);
    return chosen.name;
  }

  /**
   * MCP tools whose names match; when there are none, the note (or with `requireMcp` a ConfigError saying
   * what to configure).
   */
  mcp(pattern: RegExp, what: string, fallback: string): string[] {
    const found = this.#given.filter(
      (tool) => tool.name.includes('__') && pattern.test(tool.name) && !HYDRA_SEARCHES.has(tool.name),
    );
    if (found.length === 0) {
      const message = `The ${this.crew} crew found no MCP tool for ${what}: add an MCP server with one to "mcpServers" in the Hydra config (see docs/mcp-client.md).`;
      if (this.options.requireMcp) throw new ConfigError(message, { data: { field: 'mcpServers' } });
      this.notes.push(`${message} Instead: ${fallback}`);
    }
    for (const tool of found) this.#chosen.set(tool.name, tool);
    return found.map((tool) => tool.name);
  }

  tools(): FunctionTool[] {
    return [...this.#chosen.values()];
  }
}

function ready(kit: Kit, input: CrewInput): ReadyCrew {
  return { crew: defineCrew(input), tools: kit.tools(), notes: kit.notes };
}

function memory(block: string, options: ReadyCrewOptions, recordOutputs: boolean | string[]) {
  return { block, observers: options.observers ?? [], recordOutputs };
}

/**
 * Research: a searcher finds sources, a reader extracts the facts, a summariser writes the summary, which
 * goes into the shared `findings` block (the members add notes to it with crew_memory_append). Web search
 * and fetch come from MCP tools whose names contain "search", and "fetch", "scrape" or "browse"; without them the crew
 * researches the files under `root` (search_files, read_file).
 */
export function researchCrew(options: ReadyCrewOptions = {}): ReadyCrew {
  const root = options.root ?? process.cwd();
  const kit = new Kit('research', options);
  const readFile = kit.builtin(readFileTool(root));
  const search = kit.mcp(WEB_SEARCH, 'web search', `the searcher searches the files under ${root}.`);
  const fetch = kit.mcp(WEB_FETCH, 'fetching web pages', 'the reader reads local files only.');
  const localSearch = search.length === 0 ? [kit.builtin(searchFilesTool(root))] : [];
  return ready(kit, {
    name: options.name ?? 'research',
    description: 'search, read, summarise',
    agents: [
      {
        name: 'searcher',
        role: 'Research librarian',
        goal: 'Find the most relevant, trustworthy sources for a question.',
        backstory: 'You know where answers live and never pad a list with weak sources.',
        tools: [...search, ...localSearch, readFile],
      },
      {
        name: 'reader',
        role: 'Careful reader',
        goal: 'Extract the facts that answer the question from the sources, each with where it came from.',
        backstory: 'You read closely, quote exactly and keep every fact tied to its source.',
        tools: [readFile, ...fetch],
      },
      {
        name: 'summariser',
        role: 'Research writer',
        goal: 'Turn facts into a short, accurate summary that answers the question.',
        backstory: 'You write plainly and never claim more than the facts support.',
      },
    ],
    tasks: [
      {
        name: 'search',
        agent: 'searcher',
        description:
          'Find sources about: {goal}. List the most relevant ones with one line on why each matters, and add the key sources to the shared findings with crew_memory_append.',
        expectedOutput: 'At most 8 sources, each with its location (path or URL) and why it is relevant.',
        context: [],
      },
      {
        name: 'read',
        agent: 'reader',
        description: 'Read the sources found and extract the facts that answer: {goal}.',
        expectedOutput: 'A list of facts, each with its source.',
      },
      {
        name: 'summarise',
        agent: 'summariser',
        description: 'Summarise what was found about: {goal}.',
        expectedOutput: 'A summary of at most 200 words answering the question, citing its sources.',
        context: ['search', 'read'],
      },
    ],
    memory: memory('findings', options, ['summarise']),
  });
}

/**
 * Development: a coder writes the code, a tester writes tests and runs what it can in the QuickJS sandbox
 * (execute_code), a reviewer reviews both. Without an MCP file-writing tool the coder answers with the code
 * instead of writing files.
 */
export function developmentCrew(
  options: ReadyCrewOptions & { process?: 'sequential' | 'hierarchical' | undefined } = {},
): ReadyCrew {
  const root = options.root ?? process.cwd();
  const kit = new Kit('development', options);
  const readFile = kit.builtin(readFileTool(root));
  const searchFiles = kit.builtin(searchFilesTool(root));
  const code = kit.builtin(sandboxCodeTool());
  const write = kit.mcp(
    FILE_WRITE,
    'writing files',
    'the coder answers with the code in fenced blocks; nothing is written to disk.',
  );
  return ready(kit, {
    name: options.name ?? 'development',
    description: 'coder, tester, reviewer',
    process: options.process ?? 'sequential',
    agents: [
      {
        name: 'coder',
        role: 'Senior software engineer',
        goal: 'Write correct, simple code that does what is asked.',
        backstory: 'You have shipped a lot of code; you read the existing code before adding to it.',
        tools: [readFile, searchFiles, code, ...write],
      },
      {
        name: 'tester',
        role: 'Test engineer',
        goal: 'Find the cases where the code is wrong, and prove the rest works.',
        backstory: 'You test edges first: empty input, limits, errors.',
        tools: [code, readFile],
      },
      {
        name: 'reviewer',
        role: 'Code reviewer',
        goal: 'Decide whether the change is ready, with concrete reasons.',
        backstory: 'You review for correctness first, then clarity; you never nitpick style.',
        tools: [readFile, searchFiles],
      },
    ],
    tasks: [
      {
        name: 'implement',
        agent: 'coder',
        description: 'Write the code for: {goal}.',
        expectedOutput: 'The complete code in fenced blocks, with a short explanation of the approach.',
      },
      {
        name: 'test',
        agent: 'tester',
        description:
          'Write tests for the code for: {goal}, and run what you can with execute_code. Report failures exactly.',
        expectedOutput: 'The tests, and what running them showed (passed / failed, with output).',
      },
      {
        name: 'review',
        agent: 'reviewer',
        description: 'Review the code and the test results for: {goal}.',
        expectedOutput: 'A verdict (approve / changes needed) and the concrete issues, if any.',
        context: ['implement', 'test'],
      },
    ],
    memory: memory('dev-notes', options, true),
  });
}

/**
 * Infrastructure: a monitor inspects and later verifies, a fixer fixes. Observing and acting come from MCP
 * tools (metrics, logs, status / restart, deploy, exec, ...); without them the crew is read-only: the
 * monitor inspects files under `root` (logs) and the fixer proposes exact steps instead of acting.
 */
export function infrastructureCrew(options: ReadyCrewOptions = {}): ReadyCrew {
  const root = options.root ?? process.cwd();
  const kit = new Kit('infrastructure', options);
  const time = kit.builtin(currentTimeTool as FunctionTool);
  const readFile = kit.builtin(readFileTool(root));
  const searchFiles = kit.builtin(searchFilesTool(root));
  const code = kit.builtin(sandboxCodeTool());
  const observe = kit.mcp(
    OBSERVE,
    'metrics, logs or status',
    `the monitor inspects the files under ${root} (logs, configs).`,
  );
  const act = kit.mcp(
    ACT,
    'changing the system (restart, deploy, exec)',
    'the fixer proposes exact steps and changes nothing.',
  );
  return ready(kit, {
    name: options.name ?? 'infrastructure',
    description: 'monitor, fixer',
    agents: [
      {
        name: 'monitor',
        role: 'Site reliability engineer on watch',
        goal: 'Spot what is wrong, find the evidence, and confirm when it is fixed.',
        backstory: 'You trust evidence over hunches and always note when you looked.',
        tools: [time, readFile, searchFiles, ...observe],
      },
      {
        name: 'fixer',
        role: 'Operations engineer',
        goal: 'Fix the problem with the smallest safe change.',
        backstory: 'You have a rollback plan before you touch anything.',
        tools: [readFile, code, ...act],
      },
    ],
    tasks: [
      {
        name: 'check',
        agent: 'monitor',
        description: 'Inspect the system for: {goal}. Note the time you looked.',
        expectedOutput: 'The symptoms, the likely cause and the evidence for it.',
      },
      {
        name: 'fix',
        agent: 'fixer',
        description:
          'Fix the problem found for: {goal}. If your tools cannot change the system, give the exact steps.',
        expectedOutput: 'What was changed (or the exact steps to change it), and the risk and rollback.',
      },
      {
        name: 'verify',
        agent: 'monitor',
        description: 'Check whether the fix resolves: {goal}.',
        expectedOutput: 'Resolved or not resolved, with the evidence.',
        context: ['check', 'fix'],
      },
    ],
    memory: memory('incident', options, true),
  });
}

export const READY_CREWS = {
  research: researchCrew,
  development: developmentCrew,
  infrastructure: infrastructureCrew,
} as const;

export type ReadyCrewName = keyof typeof READY_CREWS;
