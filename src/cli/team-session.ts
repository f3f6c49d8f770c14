import type { Kernel } from '../kernel/index.js';
import type { Pricing } from '../agents/index.js';
import { UserError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import {
  crewNameOf,
  crewProgressPrinter,
  describeTreeEvent,
  renderTree,
  runCrewByName,
  runRecursiveTeam,
  SqlTaskTreeStore,
  type TaskTreeLimits,
} from '../teams/index.js';
import type { FunctionTool } from '../tools/index.js';
import { printJson, progress } from './output.js';

export interface TeamSessionOptions {
  /** `recursive` or `crew:<name>`. */
  team: string;
  goal: string;
  kernel: Kernel;
  store: Store;
  tools: FunctionTool[];
  pricing: Record<string, Pricing>;
  json: boolean;
  /** Resume this task tree (recursive teams). */
  treeId?: string;
  limits?: Partial<TaskTreeLimits>;
}

export const TEAM_HELP =
  'recursive (planner, parallel executors, aggregator) or crew:<research|development|infrastructure>';

/** Checks `--team` before anything is opened, so a typo fails fast with the choices. */
export function parseTeam(team: string): { kind: 'recursive' } | { kind: 'crew'; name: string } {
  if (team === 'recursive') return { kind: 'recursive' };
  if (team.startsWith('crew:')) return { kind: 'crew', name: crewNameOf(team) };
  throw new UserError('invalid_input', `Unknown team "${team}": use ${TEAM_HELP}.`, {
    data: { field: 'team' },
  });
}

/**
 * Runs a team on a goal from the CLI with live progress on stderr (the task tree's events, or one line per
 * crew task) and the answer on stdout; Ctrl-C stops it cleanly (a recursive tree resumes with --tree).
 */
export async function runTeamSession(options: TeamSessionOptions): Promise<void> {
  const team = parseTeam(options.team);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new UserError('aborted', 'Interrupted (Ctrl-C).'));
  process.once('SIGINT', onSigint);
  try {
    if (team.kind === 'recursive') await recursive(options, controller.signal);
    else await crew(options, team.name, controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function recursive(options: TeamSessionOptions, signal: AbortSignal): Promise<void> {
  const tasks = await SqlTaskTreeStore.open(options.store);
  let treeId = options.treeId;
  const result = await runRecursiveTeam({
    kernel: options.kernel,
    store: tasks,
    goal: options.goal,
    signal,
    ...(options.treeId === undefined ? {} : { treeId: options.treeId }),
    ...(options.limits ? { limits: options.limits } : {}),
    onEvent: (event) => {
      treeId ??= event.treeId;
      const line = describeTreeEvent(event);
      if (line && !options.json) progress(line);
    },
  }).catch((error: unknown) => {
    if (treeId && signal.aborted)
      progress(
        `\nhydra: tree ${treeId} interrupted; continue it with: hydra run --team recursive --tree ${treeId}`,
      );
    throw error;
  });
  if (options.json) {
    printJson(result);
    return;
  }
  const tree = await tasks.getTree(result.treeId);
  if (tree) progress(`\n${renderTree(tree)}`);
  progress(
    `hydra: tree ${result.treeId} ${result.status} — ${result.usage.totalTokens} tokens` +
      (result.costUsd > 0 ? `, $${result.costUsd.toFixed(4)}` : '') +
      ` (hydra tasks tree ${result.treeId})`,
  );
  if (result.result !== null) process.stdout.write(`${result.result}\n`);
  if (result.status === 'failed') process.exitCode = 1;
}

async function crew(options: TeamSessionOptions, name: string, signal: AbortSignal): Promise<void> {
  const result = await runCrewByName({
    name,
    goal: options.goal,
    kernel: options.kernel,
    store: options.store,
    tools: options.tools,
    pricing: options.pricing,
    signal,
    onEvent: options.json ? () => undefined : crewProgressPrinter((line) => progress(line)),
    onNote: (note) => {
      if (!options.json) progress(`hydra: ${note}`);
    },
  });
  if (options.json) printJson(result);
  else process.stdout.write(`${result.output}\n`);
}
