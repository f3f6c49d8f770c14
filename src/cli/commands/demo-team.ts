import { Kernel } from '../../kernel/index.js';
import { createModelProvider } from '../../models/index.js';
import { describeTreeEvent, InMemoryTaskTreeStore, renderTree, runRecursiveTeam } from '../../teams/index.js';
import { SimModelServer, type SimModelOptions, type SimRule } from '../../testing/index.js';
import { printJson, progress } from '../output.js';

export const TEAM_DEMO_GOAL = 'Write a short market report on electric bikes';

const ROLE = {
  atomizer: 'atomizer of a recursive task team',
  planner: 'planner of a recursive task team',
  executor: 'executor of a recursive task team',
  aggregator: 'aggregator of a recursive task team',
};
const json = (value: unknown): { text: string } => ({ text: JSON.stringify(value) });
const executes = (goal: string, text: string): SimRule => ({
  match: { system: ROLE.executor, lastUser: `^Goal: ${goal}` },
  reply: { text },
});

/**
 * The simulated model's script for a recursive team: the goal is composite; the planner splits it into
 * three research subtasks (two independent, so they run in parallel, and one that needs a competitor list)
 * and a draft that depends on all three; every subtask is atomic; the aggregator merges the draft.
 */
export function teamDemoScript(decodeMsPerToken: number): SimModelOptions {
  return {
    seed: 7,
    model: 'hydra-sim',
    latency: { prefillMsPerToken: 0, decodeMsPerToken },
    slots: 4,
    rules: [
      {
        match: { system: ROLE.atomizer, lastUser: `^Goal: ${TEAM_DEMO_GOAL}` },
        reply: json({ atomic: false, reason: 'needs research on several fronts, then writing' }),
      },
      { match: { system: ROLE.atomizer }, reply: json({ atomic: true, reason: 'one focused step' }) },
      {
        match: { system: ROLE.planner },
        reply: json({
          subtasks: [
            { id: 'market', goal: 'Estimate the size of the e-bike market', dependsOn: [] },
            { id: 'rivals', goal: 'List the main e-bike makers', dependsOn: [] },
            { id: 'prices', goal: 'Compare the prices of the main makers', dependsOn: ['rivals'] },
            { id: 'draft', goal: 'Draft the report', dependsOn: ['market', 'rivals', 'prices'] },
          ],
        }),
      },
      executes('Estimate', 'About 40 million e-bikes are sold a year, growing near 10% a year.'),
      executes('List', 'Makers that lead: Yadea, Giant, Accell, Trek, Rad Power Bikes.'),
      executes('Compare', 'Prices run from about $800 (Rad) to over $4,000 (Trek, Giant premium lines).'),
      executes(
        'Draft',
        'E-bikes: ~40M a year, +10%/yr; leaders Yadea, Giant, Accell, Trek, Rad; $800 to $4,000+.',
      ),
      {
        match: { system: ROLE.aggregator },
        reply: {
          text:
            'Market report — electric bikes: about 40 million sold a year and growing near 10% a year; ' +
            'the leaders are Yadea, Giant, Accell, Trek and Rad Power Bikes; prices run from about $800 ' +
            'to over $4,000. (Scripted by the simulated model: the figures are illustrative.)',
        },
      },
    ],
  };
}

/** `hydra demo --team`: a recursive team on the simulated model, printed as it plans, fans out and merges. */
export async function runTeamDemo(flags: { tokenDelayMs: number; json: boolean }): Promise<void> {
  const server = new SimModelServer(teamDemoScript(flags.tokenDelayMs));
  const { url } = await server.start(0);
  const provider = await createModelProvider(`openai-compatible:${url}#hydra-sim`, {
    settings: { maxRetries: 0 },
  });
  const kernel = new Kernel({ backends: [{ provider, slots: 4 }] });
  try {
    if (!flags.json) {
      progress(`Hydra team demo on the simulated model at ${url} (replies are SCRIPTED, not an LLM's).`);
      progress('A recursive team: an atomizer, a planner, parallel executors and an aggregator,');
      progress('every model call a kernel syscall, the task tree persisted as it goes.\n');
      progress(`Goal: ${TEAM_DEMO_GOAL}`);
    }
    const store = new InMemoryTaskTreeStore();
    const result = await runRecursiveTeam({
      kernel,
      store,
      goal: TEAM_DEMO_GOAL,
      onEvent: (event) => {
        const line = describeTreeEvent(event);
        if (line && !flags.json) progress(line);
      },
    });
    const stats = server.stats();
    if (flags.json) {
      printJson({ ...result, simulated: { maxConcurrent: stats.maxConcurrent } });
      return;
    }
    const tree = await store.getTree(result.treeId);
    if (tree) progress(`\n${renderTree(tree)}`);
    progress(
      `\n${stats.requests.byEndpoint.chatCompletions} model calls, at most ${stats.maxConcurrent} at once (the independent subtasks ran in parallel).`,
    );
    if (result.result !== null) process.stdout.write(`${result.result}\n`);
  } finally {
    await kernel.close();
    await server.stop();
  }
}
