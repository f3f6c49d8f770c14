import { z } from 'zod';

import { ConflictError, NotFoundError, PermissionDeniedError, UserError } from '../../errors/index.js';
import type { MemoryBlock, MemoryService } from '../../memory/index.js';
import { defineTool, type FunctionTool, type ToolContext } from '../../tools/index.js';
import type { Crew } from './definition.js';

const CAS_ATTEMPTS = 5;

/** The memory agent standing for a crew member or observer; its access to the block is the member's. */
export function memoryAgentName(crew: string, who: string): string {
  return `crew:${crew}/${who}`;
}

/**
 * A crew's shared core-memory block (src/memory): members are memory agents attached `rw`, observers `r`,
 * so the MemoryService's access control decides every write — an observer's is refused with
 * `PermissionDeniedError`. The block and its agents persist: the same crew finds them again on its next run.
 */
export class CrewMemory {
  private constructor(
    readonly service: MemoryService,
    readonly blockId: string,
    readonly label: string,
    /** Memory agent id by member name. */
    readonly members: ReadonlyMap<string, string>,
    /** Memory agent id by observer name. */
    readonly observers: ReadonlyMap<string, string>,
  ) {}

  /** Finds or creates the member and observer agents and the block, and (re)sets everyone's access. */
  static async open(service: MemoryService, crew: Crew): Promise<CrewMemory> {
    const options = crew.memory;
    if (!options)
      throw new UserError('invalid_input', `Crew "${crew.name}" has no shared memory configured.`);
    const clash = options.observers.find((observer) => crew.agents.some((agent) => agent.name === observer));
    if (clash)
      throw new UserError(
        'invalid_input',
        `Crew "${crew.name}": "${clash}" is both a member and an observer of its memory.`,
      );
    const members = new Map<string, string>();
    const observers = new Map<string, string>();
    for (const agent of crew.agents)
      members.set(agent.name, await ensureAgent(service, crew.name, agent.name, agent.role));
    for (const observer of options.observers)
      observers.set(observer, await ensureAgent(service, crew.name, observer, 'observer'));
    let block: MemoryBlock | undefined;
    for (const agentId of [...members.values(), ...observers.values()]) {
      block = (await service.blocks(agentId)).find((candidate) => candidate.label === options.block);
      if (block) break;
    }
    block ??= await service.createBlock({
      label: options.block,
      description: options.description,
      limit: options.limit,
      metadata: { crew: crew.name },
    });
    for (const agentId of members.values()) await service.shareBlock(block.id, agentId, 'rw');
    for (const agentId of observers.values()) await service.shareBlock(block.id, agentId, 'r');
    return new CrewMemory(service, block.id, options.block, members, observers);
  }

  /** The block's current value and version. */
  async snapshot(): Promise<{ value: string; version: number }> {
    const block = await this.service.getBlock(this.blockId);
    return { value: block.value, version: block.version };
  }

  /** The block's value as a member or observer sees it (anyone attached may read). */
  async read(who: string): Promise<string> {
    const agentId = this.#agentId(who);
    const block = (await this.service.blocks(agentId)).find((candidate) => candidate.id === this.blockId);
    if (!block)
      throw new PermissionDeniedError(`"${who}" has no access to the "${this.label}" block.`, {
        data: { agentId, blockId: this.blockId },
      });
    return block.value;
  }

  /**
   * Appends a line as a member or observer: a compare-and-set write under that agent's access, re-applied
   * on a conflict (parallel tasks append at once). An observer gets `PermissionDeniedError`.
   */
  async append(who: string, text: string): Promise<{ value: string; version: number }> {
    const agentId = this.#agentId(who);
    for (let attempt = 1; ; attempt++) {
      const block = await this.service.getBlock(this.blockId);
      try {
        const written = await this.service.writeBlock({
          blockId: this.blockId,
          value: block.value ? `${block.value}\n${text}` : text,
          expectedVersion: block.version,
          agentId,
        });
        return { value: written.value, version: written.version };
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= CAS_ATTEMPTS) throw error;
      }
    }
  }

  #agentId(who: string): string {
    const id = this.members.get(who) ?? this.observers.get(who);
    if (id === undefined)
      throw new NotFoundError(
        `"${who}" is neither a member nor an observer of the "${this.label}" block; members: ${[...this.members.keys()].join(', ')}; observers: ${[...this.observers.keys()].join(', ') || 'none'}.`,
      );
    return id;
  }
}

async function ensureAgent(service: MemoryService, crew: string, who: string, role: string): Promise<string> {
  const name = memoryAgentName(crew, who);
  try {
    return (await service.getAgent(name)).id;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const created = await service.createAgent({
    name,
    description: `${role} in the "${crew}" crew (stands for its access to the crew's shared memory)`,
    blocks: [],
    tags: ['crew', crew],
    metadata: { crew, member: who },
  });
  return created.id;
}

/**
 * `crew_memory_read` and `crew_memory_append`. They are catalogue tools, shared by every member, so the
 * caller is found from the run id the runtime puts in front of each tool call id (`<runId>:<callId>`):
 * `memberOfRun` maps the crew's worker runs to member names, and the write is made as that member.
 */
export function crewMemoryTools(
  memory: CrewMemory,
  memberOfRun: (runId: string) => string | undefined,
): FunctionTool[] {
  const caller = (context: ToolContext): string => {
    const runId = context.callId?.slice(0, Math.max(0, context.callId.indexOf(':')));
    const member = runId ? memberOfRun(runId) : undefined;
    if (member === undefined)
      throw new PermissionDeniedError('The crew memory tools can only be used by members during a crew run.');
    return member;
  };
  return [
    defineTool({
      name: 'crew_memory_read',
      description: `Reads the crew's shared memory block "${memory.label}".`,
      parameters: z.object({}),
      annotations: { readOnly: true, idempotent: true },
      execute: async (_args, context) => (await memory.read(caller(context))) || '(the block is empty)',
    }),
    defineTool({
      name: 'crew_memory_append',
      description: `Adds a finding to the crew's shared memory block "${memory.label}", for the other members.`,
      parameters: z.object({ content: z.string().min(1).describe('The finding, one or a few lines') }),
      execute: async ({ content }, context) => {
        const written = await memory.append(caller(context), content);
        return `Added to "${memory.label}" (now ${written.value.length} characters, version ${written.version}).`;
      },
    }),
  ] as FunctionTool[];
}
