import { describe, expect, it } from 'vitest';

import { PermissionDeniedError } from '../../../src/errors/index.js';
import {
  CrewMemory,
  crewMemoryTools,
  defineCrew,
  memoryAgentName,
  runCrew,
  type CrewInput,
} from '../../../src/teams/crew/index.js';
import { crewWorld } from './setup.js';

const world = crewWorld();

const watch: CrewInput = {
  name: 'watch',
  agents: [{ name: 'scout', role: 'Scout', goal: 'Watch the river', backstory: 'Lives by the river.' }],
  tasks: [
    { name: 'patrol', agent: 'scout', description: 'Patrol the river bank.', expectedOutput: 'What you saw' },
  ],
  memory: { block: 'notes', observers: ['auditor'] },
};

describe('a crew’s shared memory block', () => {
  it('lets members write to it with the memory tool, and records each task’s output as its member', async () => {
    const { kernel } = await world.model([
      {
        match: { system: 'You are Scout', toolResultFrom: 'crew_memory_append' },
        reply: { text: 'noted: {{lastToolResult}}' },
      },
      {
        match: { system: 'You are Scout' },
        reply: { toolCalls: [{ name: 'crew_memory_append', arguments: { content: 'river level rising' } }] },
      },
    ]);
    const result = await runCrew(watch, { kernel, runs: world.runs, memory: world.memory });
    expect(result.tasks[0]?.output).toMatch(/^noted: Added to "notes"/);
    expect(result.memory?.label).toBe('notes');
    expect(result.memory?.value).toMatch(/^river level rising\n\[patrol\] scout: noted: Added to "notes"/);

    const memory = await CrewMemory.open(world.memory, defineCrew(watch));
    expect(memory.blockId).toBe(result.memory?.blockId);
    // Both writes were the member's own, recorded in the block's history under its memory agent.
    const scoutId = memory.members.get('scout');
    const history = await world.memory.blockHistory(memory.blockId);
    expect(history.map((edit) => edit.agentId)).toEqual([scoutId, scoutId]);
  });

  it('gives observers read-only access: they read, their writes are refused with PermissionDeniedError', async () => {
    const memory = await CrewMemory.open(world.memory, defineCrew({ ...watch, name: 'watch3' }));
    const auditorId = memory.observers.get('auditor')!;
    expect((await world.memory.getAgent(memoryAgentName('watch3', 'auditor'))).id).toBe(auditorId);
    expect((await world.memory.blocks(auditorId)).map((block) => [block.label, block.access])).toEqual([
      ['notes', 'r'],
    ]);
    await memory.append('scout', 'river level rising');
    expect(await memory.read('auditor')).toBe('river level rising');
    await expect(memory.append('auditor', 'tampered')).rejects.toBeInstanceOf(PermissionDeniedError);
    const block = await world.memory.getBlock(memory.blockId);
    await expect(
      world.memory.writeBlock({
        blockId: block.id,
        value: 'x',
        expectedVersion: block.version,
        agentId: auditorId,
      }),
    ).rejects.toThrow(/read-only access to block "notes"/);
    expect((await world.memory.getBlock(memory.blockId)).value).toBe('river level rising');
  });

  it('refuses the memory tools to a caller that is not one of the crew’s runs', async () => {
    const memory = await CrewMemory.open(world.memory, defineCrew({ ...watch, name: 'watch2' }));
    const [, append] = crewMemoryTools(memory, () => undefined);
    const outcome = await append!.run({ content: 'hello' }, { callId: 'some-run:call_1' });
    expect(outcome).toEqual({
      ok: false,
      content:
        'Tool crew_memory_append failed: The crew memory tools can only be used by members during a crew run.',
    });
  });
});
