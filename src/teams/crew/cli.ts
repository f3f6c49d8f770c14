import { RunStore, type Pricing } from '../../agents/index.js';
import { UserError } from '../../errors/index.js';
import type { Kernel } from '../../kernel/index.js';
import { MemoryService } from '../../memory/index.js';
import type { Store } from '../../store/index.js';
import type { FunctionTool } from '../../tools/index.js';
import { runCrew, type CrewEvent, type CrewResult } from './crew.js';
import { READY_CREWS, type ReadyCrewName } from './ready-made.js';

export interface RunCrewByNameOptions {
  /** `research`, `development` or `infrastructure`; a `crew:` prefix (from `--team crew:<name>`) is accepted. */
  name: string;
  /** What the crew should achieve; fills `{goal}` in its tasks. */
  goal: string;
  kernel: Kernel;
  /** Where runs and the shared memory live. `runs` and `memory` are opened on it unless given. */
  store: Store;
  runs?: RunStore | undefined;
  memory?: MemoryService | undefined;
  /** The tools on hand (the CLI toolbox: built-ins, MCP tools, code tools); the crew takes what it uses. */
  tools?: readonly FunctionTool[] | undefined;
  /** Directory the built-in file tools work under (default: the current directory). */
  root?: string | undefined;
  /** Fail when an MCP tool the crew is built for is missing, instead of degrading to built-ins. */
  requireMcp?: boolean | undefined;
  pricing?: Record<string, Pricing> | undefined;
  crewRunId?: string | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: CrewEvent) => void) | undefined;
  /** Told each capability a crew degraded (e.g. no MCP search server: local files instead), before it runs. */
  onNote?: ((note: string) => void) | undefined;
}

export const CREW_NAMES = Object.keys(READY_CREWS) as ReadyCrewName[];

/** The ready-made crew a `--team` value names (`crew:research` or `research`), or a UserError listing them. */
export function crewNameOf(team: string): ReadyCrewName {
  const name = team.startsWith('crew:') ? team.slice('crew:'.length) : team;
  if (!(CREW_NAMES as string[]).includes(name))
    throw new UserError(
      'invalid_input',
      `No ready-made crew "${name}"; choose one of: ${CREW_NAMES.map((crew) => `crew:${crew}`).join(', ')}.`,
      { data: { field: 'team' } },
    );
  return name as ReadyCrewName;
}

/** `hydra run --team crew:<name> "<goal>"`: builds the ready-made crew and runs it on the goal. */
export async function runCrewByName(options: RunCrewByNameOptions): Promise<CrewResult> {
  const name = crewNameOf(options.name);
  if (!options.goal.trim())
    throw new UserError(
      'invalid_input',
      `Say what the ${name} crew should do: hydra run --team crew:${name} "<goal>".`,
    );
  const ready = READY_CREWS[name]({
    root: options.root,
    tools: options.tools,
    requireMcp: options.requireMcp,
  });
  for (const note of ready.notes) options.onNote?.(note);
  return runCrew(ready.crew, {
    kernel: options.kernel,
    runs: options.runs ?? (await RunStore.open(options.store)),
    memory: options.memory ?? (await MemoryService.open(options.store)),
    tools: ready.tools,
    pricing: options.pricing,
    inputs: { goal: options.goal },
    crewRunId: options.crewRunId,
    signal: options.signal,
    onEvent: options.onEvent,
  });
}
