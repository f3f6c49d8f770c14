import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'vitest';

import { HydraError } from '../../../src/errors/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The text of a fixture in ./fixtures (copies of letta-ai/agent-file examples, see fixtures/SOURCE.md). */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

type Json = Record<string, unknown>;

/** A small valid current-format file: one agent, two blocks, two tools, a short conversation with a tool call. */
export function smallFile(): Json {
  return {
    agents: [
      {
        id: 'agent-0',
        name: 'helper',
        description: 'answers questions',
        system: 'You are helpful.',
        agent_type: 'letta_v1_agent',
        llm_config: { model: 'gpt-4o-mini', model_endpoint_type: 'openai', context_window: 32000 },
        tool_rules: [{ tool_name: 'send_email', type: 'exit_loop' }],
        tags: ['demo'],
        metadata: null,
        block_ids: ['block-0', 'block-1'],
        tool_ids: ['tool-0', 'tool-1'],
        in_context_message_ids: ['message-0', 'message-1', 'message-2', 'message-3'],
        messages: [
          message('message-0', 'system', [{ type: 'text', text: 'You are helpful.' }]),
          message('message-1', 'user', [{ type: 'text', text: 'Email Bob.' }]),
          {
            ...message('message-2', 'assistant', [
              { type: 'reasoning', reasoning: 'Bob wants mail.', is_native: true },
            ]),
            tool_calls: [
              { id: 'call-1', type: 'function', function: { name: 'send_email', arguments: '{"to":"bob"}' } },
            ],
          },
          {
            ...message('message-3', 'tool', [{ type: 'text', text: '{"status":"OK"}' }]),
            tool_call_id: 'call-1',
          },
        ],
        files_agents: [],
        group_ids: [],
      },
    ],
    groups: [],
    blocks: [
      { id: 'block-0', label: 'human', value: 'Name: Bob', limit: 5000, description: null, metadata: {} },
      { id: 'block-1', label: 'persona', value: 'I am Sam.', limit: 5000, read_only: true },
    ],
    files: [],
    sources: [],
    tools: [
      {
        id: 'tool-0',
        name: 'send_email',
        description: 'Send an email.',
        json_schema: { name: 'send_email' },
      },
      {
        id: 'tool-1',
        name: 'lookup',
        description: null,
        json_schema: { name: 'lookup' },
        tool_type: 'custom',
      },
    ],
    mcp_servers: [],
    metadata: { revision_id: 'abc123' },
    created_at: '2025-11-21T03:09:21.577666+00:00',
  };
}

export function message(id: string, role: string, content: unknown): Json {
  return {
    type: 'message',
    role,
    content,
    id,
    agent_id: 'agent-0',
    tool_calls: null,
    tool_call_id: null,
    created_at: '2025-11-21T03:09:21.194471+00:00',
  };
}

/** `doc.agents[0]` of a file built by {@link smallFile}. */
export function firstAgent(doc: Json): Json {
  return (doc['agents'] as Json[])[0] as Json;
}

/** `doc.agents[0].messages[i]`. */
export function messageOf(doc: Json, i: number): Json {
  return (firstAgent(doc)['messages'] as Json[])[i] as Json;
}

/** Runs `fn`, expecting an `invalid_input` UserError whose `data.path` is `path` and whose message names it. */
export function expectInvalid(fn: () => unknown, path: string, messagePart?: string | RegExp): HydraError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(HydraError.isInstance(thrown), `expected a HydraError, got ${String(thrown)}`).toBe(true);
  const error = thrown as HydraError;
  expect(error.code).toBe('invalid_input');
  expect(error.fault).toBe('user');
  expect(error.data['path']).toBe(path);
  expect(error.message).toContain(` at ${path}: `);
  if (messagePart !== undefined) expect(error.message).toMatch(messagePart);
  return error;
}
