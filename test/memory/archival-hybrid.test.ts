import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MemoryService, type Embedder } from '../../src/memory/index.js';
import { createModelProvider } from '../../src/models/index.js';
import { SimModelServer } from '../../src/testing/index.js';
import { TEST_STORES } from './stores.js';

let sim: SimModelServer;
let embedder: Embedder;
beforeAll(async () => {
  sim = new SimModelServer({ embeddingDimensions: 32 });
  const { url } = await sim.start(0);
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries: 0 },
  });
  embedder = { embed: async (texts) => (await provider.embed(texts)).embeddings };
});
afterAll(async () => {
  await sim.stop();
});

for (const testStore of TEST_STORES) {
  describe(`hybrid archival search on ${testStore.name}`, () => {
    let opened: Awaited<ReturnType<typeof testStore.open>>;
    let memory: MemoryService;
    beforeAll(async () => {
      opened = await testStore.open();
      memory = await MemoryService.open(opened.store, { embedder });
    });
    afterAll(async () => {
      await opened.dispose();
    });

    it('embeds passages and fuses vector and full-text ranks, honouring tag filters and pages', async () => {
      const agent = await memory.createAgent({ name: 'hybrid' });
      const texts = [
        ['sourdough starter needs feeding twice a day', 'baking'],
        ['the boat engine needs new spark plugs', 'boat'],
        ['rye sourdough loaf recipe with caraway', 'baking'],
        ['mooring fees are due in April', 'boat'],
      ] as const;
      for (const [text, tag] of texts) await memory.insertArchival(agent.id, text, [tag]);
      const page = await memory.searchArchival(agent.id, {
        query: 'sourdough starter',
        tagMatch: 'any',
        topK: 2,
        page: 0,
      });
      expect(page.mode).toBe('hybrid');
      expect(page.results[0]?.text).toBe('sourdough starter needs feeding twice a day');
      expect(page.results[0]?.vectorRank).toBeDefined();
      expect(page.results[0]?.textRank).toBeDefined();
      const boats = await memory.searchArchival(agent.id, {
        query: 'sourdough engine',
        tags: ['boat'],
        tagMatch: 'any',
        topK: 5,
        page: 0,
      });
      expect(boats.results.map((passage) => passage.tags)).toEqual(boats.results.map(() => ['boat']));
      expect(boats.results.length).toBe(2);
      const first = await memory.searchArchival(agent.id, {
        query: 'sourdough',
        tagMatch: 'any',
        topK: 1,
        page: 0,
      });
      const second = await memory.searchArchival(agent.id, {
        query: 'sourdough',
        tagMatch: 'any',
        topK: 1,
        page: 1,
      });
      expect(second.results).toHaveLength(1);
      expect(second.results[0]?.id).not.toBe(first.results[0]?.id);
    });
  });
}
