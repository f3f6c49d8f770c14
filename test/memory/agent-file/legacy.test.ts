import { describe, expect, it } from 'vitest';

import type { AgentFileWarning } from '../../../src/memory/agent-file/index.js';
import { parseAgentFile, serializeAgentFile } from '../../../src/memory/agent-file/index.js';
import { expectInvalid } from './helpers.js';

type Json = Record<string, unknown>;

const sendMessageSchema = {
  name: 'send_message',
  description: 'Sends a message to the human user.',
  parameters: {
    type: 'object',
    properties: { message: { type: 'string', description: 'Message contents.' } },
    required: ['message'],
  },
};

/** A legacy (Letta 0.6.x) export, shaped like the agent-file repository's early `memgpt_agent` files. */
function legacyFile(): Json {
  const msg = (role: string, text: string, extra: Json = {}): Json => ({
    created_at: '2025-04-01T03:47:27.492924',
    group_id: null,
    model: 'gpt-4-0613',
    name: null,
    role,
    content: [{ type: 'text', text }],
    tool_call_id: null,
    tool_calls: [],
    tool_returns: [],
    updated_at: '2025-04-01T03:47:27',
    ...extra,
  });
  return {
    agent_type: 'memgpt_agent',
    core_memory: [
      {
        created_at: '2025-04-01T03:47:27',
        description: null,
        is_template: false,
        label: 'persona',
        limit: 5000,
        metadata_: {},
        template_name: null,
        updated_at: '2025-04-01T03:47:27',
        value: '\nI am Sam.\n',
      },
      {
        created_at: '2025-04-01T03:47:27',
        description: 'What I know about the human.',
        is_template: false,
        label: 'human',
        limit: 5000,
        metadata_: { source: 'starter' },
        template_name: null,
        updated_at: '2025-04-01T03:47:27',
        value: '\nFirst name: Chad\n',
      },
    ],
    created_at: '2025-04-01T03:47:27',
    description: 'A simple MemGPT agent from the original project release',
    embedding_config: {
      embedding_model: 'text-embedding-ada-002',
      embedding_dim: 1536,
      embedding_chunk_size: 300,
    },
    llm_config: {
      model: 'gpt-4-0613',
      model_endpoint_type: 'openai',
      context_window: 8192,
      temperature: 0.7,
    },
    message_buffer_autoclear: false,
    in_context_message_indices: [0, 1, 2, 3],
    messages: [
      msg('system', 'You are Letta.\n### Memory [last modified: 2025-03-31 08:47:27 PM PDT-0700]'),
      msg('assistant', 'Bootup sequence complete. Persona activated.', {
        tool_calls: [
          {
            id: '787790f6-32cb-492a-a581-8de0aefe0c55',
            function: {
              arguments: '{\n  "message": "More human than human is our motto."\n}',
              name: 'send_message',
            },
            type: 'function',
          },
        ],
      }),
      msg('tool', '{\n  "status": "OK",\n  "message": null\n}', {
        tool_call_id: '787790f6-32cb-492a-a581-8de0aefe0c55',
      }),
      msg('user', '{\n  "type": "login",\n  "last_login": "Never (first login)"\n}'),
    ],
    metadata_: null,
    multi_agent_group: null,
    name: 'memgpt_agent',
    system: 'You are Letta.',
    tags: [{ tag: 'starter' }],
    tool_exec_environment_variables: [{ key: 'API_KEY', value: 'secret', description: null }],
    tool_rules: [{ tool_name: 'send_message', type: 'exit_loop' }],
    tools: [
      {
        args_json_schema: null,
        created_at: '2025-04-01T03:41:54',
        description: 'Sends a message to the human user.',
        json_schema: sendMessageSchema,
        name: 'send_message',
        return_char_limit: 1000000,
        source_code: null,
        source_type: 'python',
        tags: ['letta_core'],
        tool_type: 'letta_core',
        updated_at: '2025-04-01T03:41:54',
        metadata_: {},
      },
    ],
    updated_at: '2025-04-01T03:47:27.506079',
    version: '0.6.47',
  };
}

describe('legacy v1 Agent File', () => {
  const warnings: AgentFileWarning[] = [];
  const bundle = parseAgentFile(JSON.stringify(legacyFile()), { onWarning: (w) => warnings.push(w) });
  const agent = bundle.agents[0]!;

  it('is read as one agent with file-local ids', () => {
    expect(bundle.format).toBe('v1');
    expect(bundle.agents).toHaveLength(1);
    expect(agent).toMatchObject({
      localId: 'agent-0',
      name: 'memgpt_agent',
      agentType: 'memgpt_agent',
      system: 'You are Letta.',
      blockLocalIds: ['block-0', 'block-1'],
      toolLocalIds: ['tool-0'],
      inContextMessageLocalIds: ['message-0', 'message-1', 'message-2', 'message-3'],
      tags: ['starter'],
      metadata: {},
      toolRules: [{ tool_name: 'send_message', type: 'exit_loop' }],
    });
    expect(agent.llmConfig).toMatchObject({ model: 'gpt-4-0613', context_window: 8192 });
    expect(warnings).toEqual([]);
  });

  it('turns core_memory into blocks', () => {
    expect(bundle.blocks).toEqual([
      {
        localId: 'block-0',
        label: 'persona',
        value: '\nI am Sam.\n',
        limit: 5000,
        description: '',
        readOnly: false,
        metadata: {},
        extra: { is_template: false, template_name: null },
      },
      {
        localId: 'block-1',
        label: 'human',
        value: '\nFirst name: Chad\n',
        limit: 5000,
        description: 'What I know about the human.',
        readOnly: false,
        metadata: { source: 'starter' },
        extra: { is_template: false, template_name: null },
      },
    ]);
  });

  it('reads messages, tool calls with parsed arguments, and naive timestamps as UTC', () => {
    expect(agent.messages.map((m) => [m.localId, m.role])).toEqual([
      ['message-0', 'system'],
      ['message-1', 'assistant'],
      ['message-2', 'tool'],
      ['message-3', 'user'],
    ]);
    const assistant = agent.messages[1]!;
    expect(assistant.content).toBe('Bootup sequence complete. Persona activated.');
    expect(assistant.toolCalls).toEqual([
      {
        id: '787790f6-32cb-492a-a581-8de0aefe0c55',
        name: 'send_message',
        arguments: { message: 'More human than human is our motto.' },
      },
    ]);
    expect(agent.messages[2]!.toolCallId).toBe('787790f6-32cb-492a-a581-8de0aefe0c55');
    expect(agent.messages[0]!.createdAt.toISOString()).toBe('2025-04-01T03:47:27.492Z');
    expect(agent.messages[0]!.extra).toEqual({ group_id: null, model: 'gpt-4-0613', tool_returns: [] });
  });

  it('keeps what the current format also has, and drops legacy-only fields', () => {
    expect(bundle.tools).toEqual([
      {
        localId: 'tool-0',
        name: 'send_message',
        description: 'Sends a message to the human user.',
        jsonSchema: sendMessageSchema,
        sourceType: 'python',
        toolType: 'letta_core',
        extra: { args_json_schema: null, return_char_limit: 1000000, tags: ['letta_core'], metadata_: {} },
      },
    ]);
    expect(agent.extra).toEqual({
      message_buffer_autoclear: false,
      tool_exec_environment_variables: { API_KEY: 'secret' },
    });
  });

  it('is written in the current format and reads back the same, without secret values', () => {
    const written = serializeAgentFile(bundle, { createdAt: new Date('2026-01-01T00:00:00Z') });
    const agents = written['agents'] as Json[];
    expect(Object.keys(agents[0]!)).not.toContain('core_memory');
    expect(agents[0]).toMatchObject({
      id: 'agent-0',
      block_ids: ['block-0', 'block-1'],
      tool_ids: ['tool-0'],
      tool_exec_environment_variables: { API_KEY: '' },
    });
    const reread = parseAgentFile(JSON.stringify(written));
    const expected = structuredClone(bundle);
    expected.agents[0]!.extra = { ...agent.extra, tool_exec_environment_variables: { API_KEY: '' } };
    expect(reread).toEqual({ ...expected, format: 'v2' });
  });

  it('accepts the oldest message shape, text in `text`', () => {
    const doc = legacyFile();
    const messages = doc['messages'] as Json[];
    messages[3] = { ...messages[3], content: undefined, text: 'hello' };
    expect(parseAgentFile(doc).agents[0]!.messages[3]!.content).toBe('hello');
  });
});

describe('legacy v1 errors name the legacy file paths', () => {
  it('an in-context index past the last message', () => {
    const doc = legacyFile();
    doc['in_context_message_indices'] = [0, 9];
    expectInvalid(
      () => parseAgentFile(doc),
      '$.in_context_message_indices[1]',
      'index 9 is past the last message (4)',
    );
  });

  it('tool-call arguments that are not JSON', () => {
    const doc = legacyFile();
    const call = ((doc['messages'] as Json[])[1]!['tool_calls'] as Json[])[0]!;
    (call['function'] as Json)['arguments'] = '{"message": ';
    expectInvalid(
      () => parseAgentFile(doc),
      '$.messages[1].tool_calls[0].function.arguments',
      /not valid JSON/,
    );
  });

  it('a block without a label', () => {
    const doc = legacyFile();
    delete (doc['core_memory'] as Json[])[1]!['label'];
    expectInvalid(() => parseAgentFile(doc), '$.core_memory[1].label', 'expected string, but it is missing');
  });

  it('a tag that is neither a string nor { tag }', () => {
    const doc = legacyFile();
    doc['tags'] = [{ name: 'x' }];
    expectInvalid(() => parseAgentFile(doc), '$.tags[0]', 'expected a tag string or { tag }');
  });

  it('a tool result whose call is missing is only a warning, with the legacy path', () => {
    const doc = legacyFile();
    (doc['messages'] as Json[])[1]!['tool_calls'] = [];
    const warnings: AgentFileWarning[] = [];
    parseAgentFile(doc, { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([
      {
        code: 'tool_result_without_call',
        path: '$.messages[2].tool_call_id',
        message: expect.stringContaining('no earlier message of the agent made') as unknown,
      },
    ]);
  });
});
