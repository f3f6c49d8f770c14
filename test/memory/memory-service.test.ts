import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConflictError, NotFoundError, PermissionDeniedError, UserError } from '../../src/errors/index.js';
import { MemoryService } from '../../src/memory/index.js';
import type { Store } from '../../src/store/index.js';
import { TEST_STORES } from './stores.js';

for (const testStore of TEST_STORES) {
  describe(`memory on ${testStore.name}`, () => {
    let opened: Awaited<ReturnType<typeof testStore.open>>;
    let store: Store;
    let memory: MemoryService;
    // One database per file (opening PGlite costs about a second); tests stay apart by unique agent names.
    let counter = 0;
    const unique = (base: string): string => `${base}-${++counter}`;
    beforeAll(async () => {
      opened = await testStore.open();
      store = opened.store;
      memory = await MemoryService.open(store);
    });
    afterAll(async () => {
      await opened.dispose();
    });

    describe('agents and core memory', () => {
      it('creates an agent with default persona and human blocks', async () => {
        const agent = await memory.createAgent({ name: unique('ada') });
        const blocks = await memory.blocks(agent.id);
        expect(blocks.map((block) => [block.label, block.value, block.access])).toEqual([
          ['persona', '', 'rw'],
          ['human', '', 'rw'],
        ]);
        expect((await memory.getAgent(agent.name)).id).toBe(agent.id);
      });

      it('compiles blocks into the system prompt with their usage', async () => {
        const agent = await memory.createAgent({
          name: unique('ada'),
          blocks: [{ label: 'human', value: 'Name: Grace', limit: 100, description: 'About the user' }],
        });
        const prompt = await memory.systemPrompt(agent);
        expect(prompt).toContain(
          '<human>\n<description>\nAbout the user\n</description>\n<metadata>\n- chars_current=11\n- chars_limit=100',
        );
        expect(prompt).toContain('Name: Grace');
        expect(prompt).toContain('0 previous messages');
      });

      it('refuses an edit over the block limit, telling the model to condense or archive', async () => {
        const agent = await memory.createAgent({
          name: unique('ada'),
          blocks: [{ label: 'human', value: 'x', limit: 10 }],
        });
        const [block] = await memory.blocks(agent.id);
        const error = await memory
          .writeBlock({
            blockId: block?.id ?? '',
            value: 'y'.repeat(11),
            expectedVersion: 1,
            agentId: agent.id,
          })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(UserError);
        expect((error as Error).message).toMatch(
          /11 characters, over its 10-character limit.*memory_rethink.*archival_memory_insert/,
        );
        expect((await memory.getBlock(block?.id ?? '')).value).toBe('x');
      });

      it('looks up an unknown agent with a clear error', async () => {
        await expect(memory.getAgent('nobody')).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('shared blocks', () => {
      async function team(): Promise<{ writer: string; reader: string; outsider: string; blockId: string }> {
        const writer = await memory.createAgent({ name: unique('writer') });
        const reader = await memory.createAgent({ name: unique('reader') });
        const outsider = await memory.createAgent({ name: unique('outsider') });
        const block = await memory.createBlock({ label: 'plan', value: 'step 1', limit: 1_000 });
        await memory.shareBlock(block.id, writer.id, 'rw');
        await memory.shareBlock(block.id, reader.id, 'r');
        return { writer: writer.id, reader: reader.id, outsider: outsider.id, blockId: block.id };
      }

      it('lets rw agents write, and gives r and unrelated agents a permission error', async () => {
        const { writer, reader, outsider, blockId } = await team();
        await memory.writeBlock({ blockId, value: 'step 1\nstep 2', expectedVersion: 1, agentId: writer });
        await expect(
          memory.writeBlock({ blockId, value: 'hijack', expectedVersion: 2, agentId: reader }),
        ).rejects.toBeInstanceOf(PermissionDeniedError);
        await expect(
          memory.writeBlock({ blockId, value: 'hijack', expectedVersion: 2, agentId: outsider }),
        ).rejects.toBeInstanceOf(PermissionDeniedError);
        expect((await memory.blocks(reader)).find((block) => block.label === 'plan')?.value).toBe(
          'step 1\nstep 2',
        );
      });

      it('makes a stale write fail with the current value, so the writer can merge', async () => {
        const { writer, blockId } = await team();
        await memory.writeBlock({ blockId, value: 'step 1 (done)', expectedVersion: 1, agentId: writer });
        const error = await memory
          .writeBlock({ blockId, value: 'step 1\nmy step', expectedVersion: 1, agentId: writer })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ConflictError);
        expect((error as ConflictError).data).toMatchObject({
          current: 'step 1 (done)',
          version: 2,
          expectedVersion: 1,
        });
      });

      it('lets exactly one of many concurrent compare-and-set writers win', async () => {
        const { writer, blockId } = await team();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, index) =>
            memory.writeBlock({ blockId, value: `writer ${index}`, expectedVersion: 1, agentId: writer }),
          ),
        );
        const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        expect(winners).toHaveLength(1);
        for (const outcome of outcomes)
          if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(ConflictError);
        expect((await memory.getBlock(blockId)).version).toBe(2);
      });

      it('keeps every edit in the history and undoes the latest', async () => {
        const { writer, blockId } = await team();
        await memory.writeBlock({ blockId, value: 'v2', expectedVersion: 1, agentId: writer });
        await memory.writeBlock({ blockId, value: 'v3', expectedVersion: 2, agentId: null });
        const history = await memory.blockHistory(blockId);
        expect(history.map((edit) => [edit.version, edit.agentId, edit.oldValue, edit.newValue])).toEqual([
          [2, writer, 'step 1', 'v2'],
          [3, null, 'v2', 'v3'],
        ]);
        const undone = await memory.undoBlock(blockId);
        expect(undone).toMatchObject({ value: 'v2', version: 4 });
      });
    });

    describe('recall memory', () => {
      it('keeps every message and finds them by text, role and date', async () => {
        const agent = await memory.createAgent({ name: unique('historian') });
        await memory.appendMessages(agent.id, [{ role: 'user', content: 'I adopted a cat named Miso' }], {
          at: new Date('2026-01-10T09:00:00Z'),
        });
        await memory.appendMessages(
          agent.id,
          [{ role: 'assistant', content: 'Congratulations on Miso the cat!' }],
          { at: new Date('2026-01-10T09:00:05Z') },
        );
        await memory.appendMessages(agent.id, [{ role: 'user', content: 'The cat knocked over a plant' }], {
          at: new Date('2026-03-02T18:30:00Z'),
        });
        const byText = await memory.searchRecall(agent.id, { query: 'cat', limit: 10, page: 0 });
        expect(byText.total).toBe(3);
        const byRole = await memory.searchRecall(agent.id, {
          query: 'cat',
          roles: ['user'],
          limit: 10,
          page: 0,
        });
        expect(byRole.results.map((message) => message.content)).toEqual(
          expect.arrayContaining(['I adopted a cat named Miso', 'The cat knocked over a plant']),
        );
        expect(byRole.total).toBe(2);
        const inMarch = await memory.searchRecall(agent.id, {
          query: 'cat',
          start: new Date('2026-03-01T00:00:00Z'),
          end: new Date('2026-03-31T23:59:59Z'),
          limit: 10,
          page: 0,
        });
        expect(inMarch.results.map((message) => message.content)).toEqual(['The cat knocked over a plant']);
        const january = await memory.searchRecall(agent.id, {
          start: new Date('2026-01-01'),
          end: new Date('2026-01-31'),
          limit: 1,
          page: 1,
        });
        expect(january).toMatchObject({ total: 2, pages: 2, page: 1 });
      });
    });

    describe('archival memory', () => {
      it('stores tagged passages and finds them by full text when no embedder is configured', async () => {
        const agent = await memory.createAgent({ name: unique('librarian') });
        await memory.insertArchival(
          agent.id,
          'The deploy key rotates every 90 days',
          ['ops'],
          new Date('2026-02-01T00:00:00Z'),
        );
        await memory.insertArchival(agent.id, 'Grace prefers tea over coffee', ['preferences']);
        const found = await memory.searchArchival(agent.id, {
          query: 'deploy key',
          tagMatch: 'any',
          topK: 5,
          page: 0,
        });
        expect(found.mode).toBe('full-text');
        expect(found.results.map((passage) => passage.text)).toEqual([
          'The deploy key rotates every 90 days',
        ]);
        const byTag = await memory.searchArchival(agent.id, {
          query: 'tea coffee',
          tags: ['ops'],
          tagMatch: 'any',
          topK: 5,
          page: 0,
        });
        expect(byTag.results).toEqual([]);
        const byDate = await memory.searchArchival(agent.id, {
          query: 'key',
          end: new Date('2026-01-01T00:00:00Z'),
          tagMatch: 'any',
          topK: 5,
          page: 0,
        });
        expect(byDate.results).toEqual([]);
      });
    });

    it('finds the same memory after the store is closed and reopened', async () => {
      const agent = await memory.createAgent({
        name: unique('durable'),
        blocks: [{ label: 'human', value: 'Likes sailing' }],
      });
      await memory.appendMessages(agent.id, [{ role: 'user', content: 'remember the regatta on Sunday' }]);
      await memory.insertArchival(agent.id, 'Regatta starts at 10:00', ['sailing']);
      store = await opened.reopen();
      const reopened = await MemoryService.open(store);
      memory = reopened;
      const again = await reopened.getAgent(agent.id);
      expect((await reopened.blocks(again.id))[0]?.value).toBe('Likes sailing');
      expect(again.inContextMessageIds).toHaveLength(1);
      expect((await reopened.searchRecall(again.id, { query: 'regatta', limit: 5, page: 0 })).total).toBe(1);
      expect(
        (await reopened.searchArchival(again.id, { query: 'regatta', tagMatch: 'any', topK: 5, page: 0 }))
          .results,
      ).toHaveLength(1);
    });
  });
}
