import { z } from 'zod';

import { ConflictError, UserError } from '../errors/index.js';
import { defineTool, type FunctionTool } from '../tools/index.js';
import { blockByLabel, type AgentBlock } from './blocks.js';
import { parseDateBound, timeAgo } from './dates.js';
import type { MemoryService } from './memory-service.js';

const CAS_ATTEMPTS = 3;

/**
 * Applies `edit` to the block's current value and writes it compare-and-set. If another agent wrote in
 * between, the edit is re-applied to the newer value (an append or insert merges cleanly; a replace whose
 * text has gone fails with the current value, so the model can decide).
 */
async function editBlock(
  service: MemoryService,
  agentId: string,
  label: string,
  edit: (value: string, block: AgentBlock) => string,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const block = await blockByLabel(service.store, agentId, label);
    const value = edit(block.value, block);
    try {
      const written = await service.writeBlock({
        blockId: block.id,
        value,
        expectedVersion: block.version,
        agentId,
      });
      return `The "${label}" block now holds ${written.value.length}/${written.limit} characters (version ${written.version}).`;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= CAS_ATTEMPTS) throw error;
    }
  }
}

function notFound(label: string, text: string, value: string): UserError {
  return new UserError(
    'invalid_input',
    `"${text}" was not found in the "${label}" block. Its current value is:\n${value}`,
  );
}

/** The self-editing memory tools, with Letta's names and arguments, bound to one agent. */
export function memoryTools(service: MemoryService, agentId: string): FunctionTool[] {
  const label = z.string().min(1).describe('Label of the memory block, e.g. "human" or "persona"');
  const tools = [
    defineTool({
      name: 'core_memory_append',
      description: 'Append to the contents of a core memory block (a new line is added first).',
      parameters: z.object({ label, content: z.string().min(1).describe('Text to append') }),
      execute: ({ label: name, content }) =>
        editBlock(service, agentId, name, (value) => (value ? `${value}\n${content}` : content)),
    }),
    defineTool({
      name: 'core_memory_replace',
      description:
        'Replace every occurrence of old_content in a core memory block with new_content (empty new_content deletes it).',
      parameters: z.object({ label, old_content: z.string().min(1), new_content: z.string() }),
      execute: ({ label: name, old_content: oldContent, new_content: newContent }) =>
        editBlock(service, agentId, name, (value) => {
          if (!value.includes(oldContent)) throw notFound(name, oldContent, value);
          return value.split(oldContent).join(newContent);
        }),
    }),
    defineTool({
      name: 'memory_replace',
      description: 'Replace old_string, which must appear exactly once in the block, with new_string.',
      parameters: z.object({ label, old_string: z.string().min(1), new_string: z.string() }),
      argumentAliases: { old_str: 'old_string', new_str: 'new_string' },
      execute: ({ label: name, old_string: oldString, new_string: newString }) =>
        editBlock(service, agentId, name, (value) => {
          const lines = value
            .split('\n')
            .flatMap((line, index) => (line.includes(oldString) ? [index + 1] : []));
          const occurrences = value.split(oldString).length - 1;
          if (occurrences === 0) throw notFound(name, oldString, value);
          if (occurrences > 1) {
            throw new UserError(
              'invalid_input',
              `"${oldString}" occurs ${occurrences} times in the "${name}" block (lines ${lines.join(', ')}); include more context to make it unique.`,
            );
          }
          return value.replace(oldString, () => newString);
        }),
    }),
    defineTool({
      name: 'memory_insert',
      description:
        'Insert text into a memory block after line insert_line (0 = at the beginning, -1 = at the end).',
      parameters: z.object({
        label,
        new_string: z.string().min(1),
        insert_line: z.number().int().min(-1).default(-1),
      }),
      argumentAliases: { new_str: 'new_string' },
      execute: ({ label: name, new_string: newString, insert_line: insertLine }) =>
        editBlock(service, agentId, name, (value) => {
          const lines = value === '' ? [] : value.split('\n');
          if (insertLine > lines.length) {
            throw new UserError(
              'invalid_input',
              `insert_line ${insertLine} is past the end of the "${name}" block, which has ${lines.length} lines.`,
            );
          }
          const at = insertLine === -1 ? lines.length : insertLine;
          lines.splice(at, 0, ...newString.split('\n'));
          return lines.join('\n');
        }),
    }),
    defineTool({
      name: 'memory_rethink',
      description:
        'Rewrite a memory block completely with new_memory (creates the block if it does not exist).',
      parameters: z.object({ label, new_memory: z.string() }),
      execute: async ({ label: name, new_memory: newMemory }) => {
        const blocks = await service.blocks(agentId);
        if (!blocks.some((block) => block.label === name)) {
          const created = await service.createBlock({ label: name, value: newMemory });
          await service.shareBlock(created.id, agentId, 'rw');
          return `Created the "${name}" block (${newMemory.length}/${created.limit} characters).`;
        }
        return editBlock(service, agentId, name, () => newMemory);
      },
    }),
    defineTool({
      name: 'archival_memory_insert',
      description: 'Store a passage in archival memory for later semantic and full-text search.',
      parameters: z.object({
        content: z.string().min(1),
        tags: z.array(z.string().min(1)).optional().describe('Tags for filtering later'),
      }),
      execute: async ({ content, tags }) => {
        const passage = await service.insertArchival(agentId, content, tags ?? []);
        return `Stored in archival memory as ${passage.id}.`;
      },
    }),
    defineTool({
      name: 'archival_memory_search',
      description:
        'Search archival memory by meaning and keywords, optionally filtered by tags and a date range. Paginated.',
      parameters: z.object({
        query: z.string().min(1),
        tags: z.array(z.string()).optional(),
        tag_match_mode: z.enum(['any', 'all']).default('any'),
        top_k: z.number().int().min(1).max(50).default(10),
        start_datetime: z.string().optional().describe('Inclusive, YYYY-MM-DD or ISO date-time'),
        end_datetime: z.string().optional().describe('Inclusive, YYYY-MM-DD or ISO date-time'),
        page: z.number().int().min(0).default(0),
      }),
      annotations: { readOnly: true },
      execute: async (args) => {
        const result = await service.searchArchival(agentId, {
          query: args.query,
          tags: args.tags,
          tagMatch: args.tag_match_mode,
          start: parseDateBound(args.start_datetime, 'start', 'start_datetime'),
          end: parseDateBound(args.end_datetime, 'end', 'end_datetime'),
          topK: args.top_k,
          page: args.page,
        });
        return {
          search_mode: result.mode,
          ...(result.mode === 'full-text'
            ? { note: 'No embedding model is configured, so this search matched keywords only.' }
            : {}),
          page: result.page,
          results: result.results.map((passage) => ({
            id: passage.id,
            timestamp: passage.createdAt.toISOString(),
            time_ago: timeAgo(passage.createdAt),
            content: passage.text,
            tags: passage.tags,
          })),
        };
      },
    }),
    defineTool({
      name: 'conversation_search',
      description:
        'Search your past conversation (recall memory) by text, role and date range. Dates are inclusive. Paginated.',
      parameters: z.object({
        query: z.string().optional(),
        roles: z.array(z.enum(['user', 'assistant', 'tool', 'system'])).optional(),
        limit: z.number().int().min(1).max(50).default(5),
        start_date: z.string().optional().describe('YYYY-MM-DD or ISO date-time, inclusive'),
        end_date: z.string().optional().describe('YYYY-MM-DD or ISO date-time, inclusive'),
        page: z.number().int().min(0).default(0),
      }),
      annotations: { readOnly: true },
      execute: async (args) => {
        const result = await service.searchRecall(agentId, {
          query: args.query,
          roles: args.roles ?? ['user', 'assistant'],
          start: parseDateBound(args.start_date, 'start', 'start_date'),
          end: parseDateBound(args.end_date, 'end', 'end_date'),
          limit: args.limit,
          page: args.page,
        });
        return {
          showing: `page ${result.page + 1} of ${result.pages} (${result.total} matching messages)`,
          results: result.results.map((message) => ({
            timestamp: message.createdAt.toISOString(),
            time_ago: timeAgo(message.createdAt),
            role: message.role,
            content: message.content,
          })),
        };
      },
    }),
  ];
  return tools as FunctionTool[];
}

export const MEMORY_TOOL_NAMES = [
  'core_memory_append',
  'core_memory_replace',
  'memory_replace',
  'memory_insert',
  'memory_rethink',
  'archival_memory_insert',
  'archival_memory_search',
  'conversation_search',
] as const;
