import { describe, expect, it } from 'vitest';

import type { AgentFileWarning } from '../../../src/memory/agent-file/index.js';
import { parseAgentFile, serializeAgentFile } from '../../../src/memory/agent-file/index.js';
import { firstAgent, message, messageOf, smallFile } from './helpers.js';

type Json = Record<string, unknown>;

function parseCollecting(doc: Json): {
  bundle: ReturnType<typeof parseAgentFile>;
  warnings: AgentFileWarning[];
} {
  const warnings: AgentFileWarning[] = [];
  const bundle = parseAgentFile(doc, { onWarning: (w) => warnings.push(w) });
  return { bundle, warnings };
}

describe('messages of a current-format file', () => {
  const { bundle, warnings } = parseCollecting(smallFile());
  const agent = bundle.agents[0]!;

  it('keeps reasoning out of the text but keeps it', () => {
    const assistant = agent.messages[2]!;
    expect(assistant.role).toBe('assistant');
    expect(assistant.content).toBe('');
    expect(assistant.reasoning).toEqual([{ type: 'reasoning', text: 'Bob wants mail.', isNative: true }]);
    expect(assistant.toolCalls).toEqual([{ id: 'call-1', name: 'send_email', arguments: { to: 'bob' } }]);
  });

  it('links the tool result to its call, with no warnings', () => {
    expect(agent.messages[3]).toMatchObject({
      role: 'tool',
      toolCallId: 'call-1',
      content: '{"status":"OK"}',
    });
    expect(warnings).toEqual([]);
  });

  it('writes messages in Letta shape', () => {
    const written = serializeAgentFile(bundle);
    const messages = firstAgent(written)['messages'] as Json[];
    expect(messages[2]).toEqual({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'reasoning', is_native: true, reasoning: 'Bob wants mail.', signature: null }],
      name: null,
      id: 'message-2',
      agent_id: 'agent-0',
      tool_calls: [
        { id: 'call-1', type: 'function', function: { name: 'send_email', arguments: '{"to":"bob"}' } },
      ],
      tool_call_id: null,
      created_at: '2025-11-21T03:09:21.194Z',
    });
    expect(messages[3]).toMatchObject({
      role: 'tool',
      content: [{ type: 'text', text: '{"status":"OK"}' }],
      tool_calls: null,
      tool_call_id: 'call-1',
    });
  });
});

describe('content variants', () => {
  it('joins text parts with a newline; a string is one text part; other parts are kept aside', () => {
    const doc = smallFile();
    const image = { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } };
    messageOf(doc, 1)['content'] = [
      { type: 'text', text: 'Look:' },
      image,
      { type: 'text', text: 'what is it?' },
    ];
    messageOf(doc, 0)['content'] = 'plain string';
    messageOf(doc, 2)['content'] = [
      { type: 'redacted_reasoning', data: 'xyz' },
      { type: 'omitted_reasoning' },
      { type: 'reasoning', reasoning: 'hmm', is_native: false, signature: 'sig' },
      { type: 'text', text: 'On it.' },
    ];
    const agent = parseAgentFile(doc).agents[0]!;
    expect(agent.messages[0]!.content).toBe('plain string');
    expect(agent.messages[1]!.content).toBe('Look:\nwhat is it?');
    expect(agent.messages[1]!.otherContent).toEqual([image]);
    expect(agent.messages[2]!.content).toBe('On it.');
    expect(agent.messages[2]!.reasoning).toEqual([
      { type: 'redacted_reasoning', data: 'xyz' },
      { type: 'omitted_reasoning' },
      { type: 'reasoning', text: 'hmm', isNative: false, signature: 'sig' },
    ]);

    const written = serializeAgentFile(parseAgentFile(doc));
    const messages = firstAgent(written)['messages'] as Json[];
    expect(messages[1]!['content']).toEqual([{ type: 'text', text: 'Look:\nwhat is it?' }, image]);
    expect(messages[2]!['content']).toEqual([
      { type: 'redacted_reasoning', data: 'xyz' },
      { type: 'omitted_reasoning' },
      { type: 'reasoning', is_native: false, reasoning: 'hmm', signature: 'sig' },
      { type: 'text', text: 'On it.' },
    ]);
  });

  it("maps Letta's other roles and writes them back", () => {
    const doc = smallFile();
    const messages = firstAgent(doc)['messages'] as Json[];
    messages.push(
      {
        ...message('message-4', 'approval', []),
        tool_calls: [{ id: 'c2', function: { name: 'lookup', arguments: '' } }],
      },
      { ...message('message-5', 'approval', []), approve: true, approval_request_id: 'message-4' },
      message('message-6', 'summary', 'Earlier, Bob asked for mail.'),
      { ...message('message-7', 'function', 'done'), tool_call_id: 'c2', name: 'lookup' },
    );
    const agent = parseAgentFile(doc).agents[0]!;
    expect(agent.messages.slice(4).map((m) => [m.role, m.lettaRole])).toEqual([
      ['assistant', 'approval'],
      ['user', 'approval'],
      ['user', 'summary'],
      ['tool', 'function'],
    ]);
    expect(agent.messages[4]!.toolCalls).toEqual([{ id: 'c2', name: 'lookup', arguments: {} }]);
    expect(agent.messages[5]!.extra).toMatchObject({ approve: true, approval_request_id: 'message-4' });
    expect(agent.messages[7]!.name).toBe('lookup');

    const written = firstAgent(serializeAgentFile(parseAgentFile(doc)))['messages'] as Json[];
    expect(written.slice(4).map((m) => m['role'])).toEqual(['approval', 'approval', 'summary', 'function']);
    expect(written[5]).toMatchObject({ approve: true, approval_request_id: 'message-4' });
  });
});

describe('warnings', () => {
  it('a tool result whose call is missing, a tool result without a call id', () => {
    const doc = smallFile();
    messageOf(doc, 3)['tool_call_id'] = 'call-404';
    (firstAgent(doc)['messages'] as Json[]).push(message('message-4', 'tool', 'orphan'));
    const { bundle, warnings } = parseCollecting(doc);
    expect(warnings).toEqual([
      {
        code: 'tool_result_without_call',
        path: '$.agents[0].messages[3].tool_call_id',
        message: 'tool result for call "call-404", which no earlier message of the agent made',
      },
      {
        code: 'tool_result_without_call_id',
        path: '$.agents[0].messages[4].tool_call_id',
        message: 'tool message without a tool_call_id',
      },
    ]);
    expect(bundle.agents[0]!.messages[3]!.toolCallId).toBe('call-404');
    expect(bundle.agents[0]!.messages[4]!.toolCallId).toBeUndefined();
  });

  it('a result that comes before its call does not count as answered', () => {
    const doc = smallFile();
    const messages = firstAgent(doc)['messages'] as Json[];
    [messages[2], messages[3]] = [messages[3]!, messages[2]!];
    expect(parseCollecting(doc).warnings.map((w) => w.code)).toEqual(['tool_result_without_call']);
  });

  it('a block over its limit, a tool rule for a tool the agent lacks', () => {
    const doc = smallFile();
    (doc['blocks'] as Json[])[0]!['limit'] = 4;
    firstAgent(doc)['tool_rules'] = [
      { tool_name: 'archival_memory_search', type: 'continue_loop' },
      { type: 'x' },
    ];
    const { bundle, warnings } = parseCollecting(doc);
    expect(warnings.map((w) => [w.code, w.path])).toEqual([
      ['tool_rule_unknown_tool', '$.agents[0].tool_rules[0].tool_name'],
      ['block_over_limit', '$.blocks[0].value'],
    ]);
    expect(bundle.blocks[0]!.limit).toBe(4);
  });
});

describe('defaults for absent values', () => {
  it('fills what Letta leaves out or writes as null', () => {
    const doc: Json = {
      agents: [{ id: 'agent-0', name: 'bare', messages: [message('message-0', 'user', null)] }],
      blocks: [{ id: 'block-0', label: 'notes', value: '' }],
    };
    const bundle = parseAgentFile(doc);
    expect(bundle).toEqual({
      agents: [
        {
          localId: 'agent-0',
          name: 'bare',
          description: '',
          system: '',
          llmConfig: {},
          toolRules: [],
          tags: [],
          metadata: {},
          blockLocalIds: [],
          toolLocalIds: [],
          // `type`, `agent_id`, null `tool_calls` / `tool_call_id`: nothing left over for `extra`.
          messages: [
            {
              localId: 'message-0',
              role: 'user',
              content: '',
              createdAt: new Date('2025-11-21T03:09:21.194Z'),
            },
          ],
          inContextMessageLocalIds: [],
        },
      ],
      blocks: [
        {
          localId: 'block-0',
          label: 'notes',
          value: '',
          limit: 20000,
          description: '',
          readOnly: false,
          metadata: {},
        },
      ],
      tools: [],
      groups: [],
      files: [],
      sources: [],
      mcpServers: [],
      skills: [],
      metadata: {},
      format: 'v2',
    });
  });
});
