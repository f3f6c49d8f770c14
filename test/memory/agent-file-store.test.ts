import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UserError } from '../../src/errors/index.js';
import { exportAgentFile, importAgentFile, MemoryService, parseAgentFile } from '../../src/memory/index.js';
import { TEST_STORES } from './stores.js';

const fixtures = join(import.meta.dirname, 'agent-file/fixtures');
const fixture = (name: string): Promise<string> => readFile(join(fixtures, name), 'utf8');

for (const testStore of TEST_STORES) {
  describe(`Agent File import/export on ${testStore.name}`, () => {
    let opened: Awaited<ReturnType<typeof testStore.open>>;
    let memory: MemoryService;
    beforeAll(async () => {
      opened = await testStore.open();
      memory = await MemoryService.open(opened.store);
    });
    afterAll(async () => {
      await opened.dispose();
    });

    it("imports Letta's MemGPT example with its blocks, messages and context window", async () => {
      const text = await fixture('memgpt_agent_with_convo.af');
      const parsed = parseAgentFile(text);
      const { agents } = await importAgentFile(memory, text);
      const agent = agents[0];
      if (!agent) throw new Error('nothing imported');
      const source = parsed.agents[0];
      expect(agent.name).toBe(source?.name);
      const blocks = await memory.blocks(agent.id);
      expect(blocks.map((block) => block.label).sort()).toEqual(
        parsed.blocks.map((block) => block.label).sort(),
      );
      // Letta's leading in-context system message is its compiled prompt; Hydra compiles its own.
      expect(await memory.recallCount(agent.id)).toBe((source?.messages.length ?? 0) - 1);
      expect(agent.inContextMessageIds).toHaveLength((source?.inContextMessageLocalIds.length ?? 0) - 1);
      expect(agent.model).toBe('openai:gpt-4o-mini');
    });

    it('imports the double-encoded outreach example with its tool rules', async () => {
      const { agents } = await importAgentFile(memory, await fixture('outreach_workflow_agent.af'));
      const agent = agents[0];
      expect(agent?.toolRules.map((rule) => rule['type'])).toEqual(
        expect.arrayContaining(['run_first', 'exit_loop']),
      );
      expect(agent?.tools.length).toBeGreaterThan(0);
    });

    it('round-trips: export then import gives the same agent, blocks and messages', async () => {
      const { agents } = await importAgentFile(memory, await fixture('memgpt_agent_with_convo.af'));
      const original = agents[0];
      if (!original) throw new Error('nothing imported');
      const exported = await exportAgentFile(memory, [original.id]);
      const first = parseAgentFile(exported);
      const { agents: again } = await importAgentFile(memory, exported);
      const copy = again[0];
      if (!copy) throw new Error('nothing re-imported');
      const second = parseAgentFile(await exportAgentFile(memory, [copy.id]));
      const comparable = (bundle: typeof first): unknown => ({
        ...bundle,
        agents: bundle.agents.map((agent) => ({
          ...agent,
          messages: agent.messages.slice(1).map((message) => ({ ...message, localId: undefined })),
          inContextMessageLocalIds: agent.inContextMessageLocalIds.length,
          localId: undefined,
          blockLocalIds: agent.blockLocalIds.length,
        })),
        blocks: bundle.blocks.map((block) => ({ ...block, localId: undefined })),
      });
      expect(comparable(second)).toEqual(comparable(first));
      expect((await memory.blocks(copy.id)).map((block) => block.value)).toEqual(
        (await memory.blocks(original.id)).map((block) => block.value),
      );
      expect(await memory.recallCount(copy.id)).toBe(await memory.recallCount(original.id));
    });

    it('exports a Hydra-made agent that shares a block with another, preserving the sharing', async () => {
      const first = await memory.createAgent({ name: `sharer-a-${Date.now()}` });
      const second = await memory.createAgent({ name: `sharer-b-${Date.now()}` });
      const shared = await memory.createBlock({ label: 'team', value: 'we ship on Fridays' });
      await memory.shareBlock(shared.id, first.id, 'rw');
      await memory.shareBlock(shared.id, second.id, 'rw');
      const exported = await exportAgentFile(memory, [first.id, second.id]);
      const bundle = parseAgentFile(exported);
      expect(bundle.blocks.filter((block) => block.label === 'team')).toHaveLength(1);
      const { agents } = await importAgentFile(memory, exported);
      const [blocksA, blocksB] = await Promise.all(agents.map((agent) => memory.blocks(agent.id)));
      const teamA = blocksA?.find((block) => block.label === 'team');
      expect(teamA?.id).toBe(blocksB?.find((block) => block.label === 'team')?.id);
    });

    it('rejects a malformed file with its JSON path and imports nothing', async () => {
      const before = (await memory.listAgents()).length;
      const broken = JSON.parse(await fixture('memgpt_agent_with_convo.af')) as {
        agents: Array<{ block_ids: string[] }>;
      };
      broken.agents[0]?.block_ids.push('block-999');
      const error = await importAgentFile(memory, broken).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(/\$\.agents\[0\]\.block_ids/);
      expect((await memory.listAgents()).length).toBe(before);
    });
  });
}
