import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

import { NotFoundError, PermissionDeniedError } from '../../errors/index.js';
import type { AgentBlock } from '../../memory/index.js';
import { guarded } from './results.js';
import type { HydraMcpDeps } from './types.js';

const agentRef = z.string().min(1).describe('The agent: its id, or its name when the name is unique.');

function describeBlock(block: AgentBlock): Record<string, unknown> {
  return {
    id: block.id,
    label: block.label,
    value: block.value,
    version: block.version,
    chars: block.value.length,
    limit: block.limit,
    description: block.description,
    read_only: block.readOnly,
    access: block.access,
  };
}

/** `get_memory_blocks`, `update_memory_block`, `search_archival_memory` and `search_conversation`. */
export function registerMemoryTools(server: McpServer, deps: HydraMcpDeps): void {
  const { memory, onError } = deps;

  server.registerTool(
    'get_memory_blocks',
    {
      title: "Read an agent's core memory",
      description:
        "Returns the agent's core memory blocks (always in its context): label, value, version, size and limit. " +
        "Pass a block's version as expected_version to update_memory_block.",
      inputSchema: z.object({ agent: agentRef }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(
        'get_memory_blocks',
        async () => {
          const agent = await memory.getAgent(args.agent);
          return {
            agent: { id: agent.id, name: agent.name },
            blocks: (await memory.blocks(agent.id)).map(describeBlock),
          };
        },
        onError,
      ),
  );

  server.registerTool(
    'update_memory_block',
    {
      title: "Replace a core memory block's value",
      description:
        'Compare-and-set: writes the new value only if the block is still at expected_version (from get_memory_blocks). ' +
        'If someone wrote it since, the call fails with the current value and version: merge and try again. ' +
        'Every write is kept in the block history and can be undone with `hydra memory undo`.',
      inputSchema: z.object({
        agent: agentRef,
        label: z.string().min(1).describe('The block label, e.g. "persona" or "human".'),
        value: z.string().describe('The complete new value (not a diff).'),
        expected_version: z.number().int().min(0).describe('The version the new value was based on.'),
      }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(
        'update_memory_block',
        async () => {
          const agent = await memory.getAgent(args.agent);
          const blocks = await memory.blocks(agent.id);
          const block = blocks.find((candidate) => candidate.label === args.label);
          if (!block) {
            throw new NotFoundError(
              `Agent ${agent.name} has no "${args.label}" block; its blocks are: ${blocks.map((b) => b.label).join(', ') || 'none'}.`,
              { data: { agent: agent.id, label: args.label } },
            );
          }
          // The MCP client writes as an operator, but is often a model too: it gets no more than the agent has.
          if (block.readOnly || block.access !== 'rw') {
            throw new PermissionDeniedError(
              `The "${block.label}" block is read-only for agent ${agent.name}; edit it with the hydra CLI if you must.`,
              {
                data: { agent: agent.id, blockId: block.id, access: block.access, readOnly: block.readOnly },
              },
            );
          }
          const written = await memory.writeBlock({
            blockId: block.id,
            value: args.value,
            expectedVersion: args.expected_version,
            agentId: null,
          });
          return { block: describeBlock({ ...written, access: block.access }) };
        },
        onError,
      ),
  );

  server.registerTool(
    'search_archival_memory',
    {
      title: "Search an agent's archival memory",
      description:
        "Searches the agent's long-term archival passages by meaning and keywords (keywords only when no embedding " +
        'model is configured), optionally filtered by tags. Best match first, paginated.',
      inputSchema: z.object({
        agent: agentRef,
        query: z.string().min(1),
        tags: z.array(z.string()).optional().describe('Only passages with these tags.'),
        tag_match: z
          .enum(['any', 'all'])
          .default('any')
          .describe('Whether any or all of the tags must match.'),
        top_k: z.number().int().min(1).max(50).default(10),
        page: z.number().int().min(0).default(0),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(
        'search_archival_memory',
        async () => {
          const agent = await memory.getAgent(args.agent);
          const found = await memory.searchArchival(agent.id, {
            query: args.query,
            tags: args.tags,
            tagMatch: args.tag_match,
            topK: args.top_k,
            page: args.page,
          });
          return {
            search_mode: found.mode,
            page: found.page,
            results: found.results.map((passage) => ({
              id: passage.id,
              text: passage.text,
              tags: passage.tags,
              created_at: passage.createdAt.toISOString(),
              score: passage.score,
            })),
          };
        },
        onError,
      ),
  );

  server.registerTool(
    'search_conversation',
    {
      title: "Search an agent's conversation history",
      description:
        'Full-text search over everything the agent and its users have said (recall memory), best match first. Paginated.',
      inputSchema: z.object({
        agent: agentRef,
        query: z.string().min(1),
        roles: z
          .array(z.enum(['user', 'assistant', 'tool', 'system']))
          .optional()
          .describe('Default: user and assistant messages.'),
        limit: z.number().int().min(1).max(50).default(10),
        page: z.number().int().min(0).default(0),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(
        'search_conversation',
        async () => {
          const agent = await memory.getAgent(args.agent);
          const found = await memory.searchRecall(agent.id, {
            query: args.query,
            roles: args.roles ?? ['user', 'assistant'],
            limit: args.limit,
            page: args.page,
          });
          return {
            total: found.total,
            page: found.page,
            pages: found.pages,
            results: found.results.map((message) => ({
              id: message.id,
              role: message.role,
              content: message.content,
              created_at: message.createdAt.toISOString(),
            })),
          };
        },
        onError,
      ),
  );
}
