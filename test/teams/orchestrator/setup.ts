import { afterAll, beforeAll } from 'vitest';

import { AgentRuntime, RunStore } from '../../../src/agents/index.js';
import { Kernel } from '../../../src/kernel/index.js';
import type { MemoryService } from '../../../src/memory/index.js';
import { createModelProvider, type ModelProvider } from '../../../src/models/index.js';
import type { Store } from '../../../src/store/index.js';
import {
  MetaOrchestrator,
  type MetaOrchestratorOptions,
  type SpecialistTemplate,
} from '../../../src/teams/orchestrator/index.js';
import { SimModelServer, type SimRule } from '../../../src/testing/index.js';
import { TEST_STORES } from '../../memory/stores.js';

export const TEMPLATES: SpecialistTemplate[] = [
  {
    domain: 'billing',
    description: 'Invoices, refunds, charges.',
    persona: 'You are the billing specialist.',
  },
  {
    domain: 'shipping',
    description: 'Parcels, delivery, returns.',
    persona: 'You are the shipping specialist.',
  },
  { domain: 'legal', description: 'Contracts and terms.', persona: 'You are the legal specialist.' },
];

/** Each specialist answers with its domain and the first line of its task; the generalist likewise. */
export const SPECIALIST_RULES: SimRule[] = [
  { match: { system: 'billing specialist' }, reply: { text: 'billing did: {{lastUser}}' } },
  { match: { system: 'shipping specialist' }, reply: { text: 'shipping did: {{lastUser}}' } },
  { match: { system: 'legal specialist' }, reply: { text: 'legal did: {{lastUser}}' } },
  { match: { system: 'generalist' }, reply: { text: 'generalist did: {{lastUser}}' } },
  {
    match: { system: 'You are the specialist for tasks of the pattern' },
    reply: { text: 'pattern specialist did it' },
  },
];

/** A classifier rule: goals matching `lastUser` get `domains`. */
export function classifies(lastUser: string, domains: string[], times?: number): SimRule {
  return {
    match: { system: 'Classify the goal', lastUser },
    reply: { text: JSON.stringify({ domains }) },
    ...(times === undefined ? {} : { times }),
  };
}

/** One store (PGlite) for the test file, and everything started in it stopped after it. */
export function harness(): {
  store: () => Store;
  runs: () => RunStore;
  model: (rules: SimRule[]) => Promise<{ sim: SimModelServer; provider: ModelProvider }>;
  orchestrator: (
    rules: SimRule[],
    options?: Partial<MetaOrchestratorOptions> & { memory?: MemoryService },
  ) => Promise<{ orchestrator: MetaOrchestrator; runtime: AgentRuntime; sim: SimModelServer }>;
} {
  const [embedded] = TEST_STORES;
  if (!embedded) throw new Error('no test store');
  let opened: Awaited<ReturnType<typeof embedded.open>>;
  let runs: RunStore;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    opened = await embedded.open();
    runs = await RunStore.open(opened.store);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await opened.dispose();
  });

  async function model(rules: SimRule[]): Promise<{ sim: SimModelServer; provider: ModelProvider }> {
    const sim = new SimModelServer({ rules });
    const { url } = await sim.start(0);
    cleanups.push(() => sim.stop());
    const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
      settings: { maxRetries: 0 },
    });
    return { sim, provider };
  }

  return {
    store: () => opened.store,
    runs: () => runs,
    model,
    async orchestrator(rules, options = {}) {
      const { sim, provider } = await model([...rules, ...SPECIALIST_RULES]);
      const kernel = new Kernel({ backends: [{ provider, slots: 4 }] });
      cleanups.push(() => kernel.close());
      const runtime = new AgentRuntime({
        kernel,
        runs,
        ...(options.memory ? { memory: options.memory } : {}),
      });
      const orchestrator = new MetaOrchestrator({ runtime, provider, templates: TEMPLATES, ...options });
      return { orchestrator, runtime, sim };
    },
  };
}
