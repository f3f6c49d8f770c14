import { describe, expect, it } from 'vitest';

import { parseAgentFile } from '../../../src/memory/agent-file/index.js';
import { expectInvalid, firstAgent, fixture, messageOf, smallFile } from './helpers.js';

type Json = Record<string, unknown>;

/** Parses a modified copy of the small valid file. */
function parseEdited(edit: (doc: Json) => void): () => unknown {
  const doc = smallFile();
  edit(doc);
  return () => parseAgentFile(doc);
}

const blocks = (doc: Json): Json[] => doc['blocks'] as Json[];
const tools = (doc: Json): Json[] => doc['tools'] as Json[];
const toolCall = (doc: Json): Json => (messageOf(doc, 2)['tool_calls'] as Json[])[0] as Json;

describe('parseAgentFile accepts the base file these tests edit', () => {
  it('parses', () => {
    expect(parseAgentFile(smallFile()).agents[0]!.name).toBe('helper');
  });
});

describe('parseAgentFile rejects files that are not JSON', () => {
  it('truncated JSON', () => {
    const text = fixture('memgpt_agent_with_convo.af');
    expectInvalid(() => parseAgentFile(text.slice(0, 5000)), '$', /not valid JSON/);
  });

  it('a wrapped file whose inner JSON is truncated', () => {
    const inner = JSON.stringify(smallFile());
    expectInvalid(() => parseAgentFile(JSON.stringify(inner.slice(0, -10))), '$', /wraps is not valid JSON/);
  });

  it('empty text', () => {
    expectInvalid(() => parseAgentFile(''), '$', /not valid JSON/);
  });
});

describe('parseAgentFile rejects the wrong shape', () => {
  it('a JSON array', () => expectInvalid(() => parseAgentFile('[]'), '$', /expected object/));

  it('an object with no agents', () => {
    const doc = smallFile();
    delete doc['agents'];
    expectInvalid(() => parseAgentFile(doc), '$.agents', 'expected the list of agents, but it is missing');
  });

  it('an agent without a name', () => {
    expectInvalid(
      parseEdited((doc) => delete firstAgent(doc)['name']),
      '$.agents[0].name',
      'expected string, but it is missing',
    );
  });

  it('a block limit that is a string', () => {
    expectInvalid(
      parseEdited((doc) => (blocks(doc)[0]!['limit'] = '5000')),
      '$.blocks[0].limit',
      'expected number, received string',
    );
  });

  it('a zero block limit', () => {
    expectInvalid(
      parseEdited((doc) => (blocks(doc)[1]!['limit'] = 0)),
      '$.blocks[1].limit',
      /expected number to be >0/,
    );
  });

  it('an unknown message role', () => {
    expectInvalid(
      parseEdited((doc) => (messageOf(doc, 1)['role'] = 'robot')),
      '$.agents[0].messages[1].role',
    );
  });

  it('message content that is a number', () => {
    expectInvalid(
      parseEdited((doc) => (messageOf(doc, 1)['content'] = 42)),
      '$.agents[0].messages[1].content',
      'expected a string or a list of content parts',
    );
  });

  it('a text part without text', () => {
    expectInvalid(
      parseEdited((doc) => (messageOf(doc, 1)['content'] = [{ type: 'text', value: 'hi' }])),
      '$.agents[0].messages[1].content[0].text',
      'expected string, but it is missing',
    );
  });

  it('a tool without a json_schema', () => {
    expectInvalid(
      parseEdited((doc) => (tools(doc)[1]!['json_schema'] = null)),
      '$.tools[1].json_schema',
      'expected object, received null',
    );
  });

  it('tags that are not strings', () => {
    expectInvalid(
      parseEdited((doc) => (firstAgent(doc)['tags'] = [{ tag: 'x' }])),
      '$.agents[0].tags[0]',
    );
  });

  it('a created_at that is not a timestamp', () => {
    expectInvalid(
      parseEdited((doc) => (messageOf(doc, 0)['created_at'] = 'yesterday')),
      '$.agents[0].messages[0].created_at',
      'expected an ISO 8601 timestamp, found "yesterday"',
    );
  });

  it('a message with no created_at in a file with none either', () => {
    expectInvalid(
      parseEdited((doc) => {
        delete doc['created_at'];
        delete messageOf(doc, 3)['created_at'];
      }),
      '$.agents[0].messages[3].created_at',
      'but it is missing',
    );
  });
});

describe('parseAgentFile rejects bad ids and references', () => {
  it('an id not of the form <prefix>-<n>', () => {
    expectInvalid(
      parseEdited((doc) => (blocks(doc)[0]!['id'] = 'block-abc')),
      '$.blocks[0].id',
      'expected a file-local id of the form block-<n>, found "block-abc"',
    );
  });

  it('an id with the wrong prefix', () => {
    expectInvalid(
      parseEdited((doc) => (firstAgent(doc)['id'] = 'tool-9')),
      '$.agents[0].id',
      /form agent-<n>/,
    );
  });

  it('a database id where a file-local message id belongs', () => {
    expectInvalid(
      parseEdited((doc) => (messageOf(doc, 2)['id'] = 'message-2b7c4e52-5d1f-4a8e-9f0b-1c2d3e4f5a6b')),
      '$.agents[0].messages[2].id',
    );
  });

  it('a dangling block id', () => {
    expectInvalid(
      parseEdited((doc) => (firstAgent(doc)['block_ids'] = ['block-0', 'block-7'])),
      '$.agents[0].block_ids[1]',
      'unknown block id "block-7"',
    );
  });

  it('a dangling tool id', () => {
    expectInvalid(
      parseEdited((doc) => (firstAgent(doc)['tool_ids'] = ['tool-5'])),
      '$.agents[0].tool_ids[0]',
      'unknown tool id "tool-5"',
    );
  });

  it('a duplicate id', () => {
    expectInvalid(
      parseEdited((doc) => (blocks(doc)[1]!['id'] = 'block-0')),
      '$.blocks[1].id',
      'duplicate id "block-0" (already used at $.blocks[0].id)',
    );
  });

  it('a block listed twice by one agent', () => {
    expectInvalid(
      parseEdited((doc) => (firstAgent(doc)['block_ids'] = ['block-0', 'block-0'])),
      '$.agents[0].block_ids[1]',
      'listed twice',
    );
  });

  it('two blocks with the same label on one agent', () => {
    expectInvalid(
      parseEdited((doc) => (blocks(doc)[1]!['label'] = 'human')),
      '$.agents[0].block_ids[1]',
      'two blocks labelled "human"',
    );
  });

  it('two tools with the same name', () => {
    expectInvalid(
      parseEdited((doc) => (tools(doc)[1]!['name'] = 'send_email')),
      '$.tools[1].name',
      /duplicate tool name/,
    );
  });

  it('an in-context id that is not a message of the agent', () => {
    expectInvalid(
      parseEdited((doc) => (firstAgent(doc)['in_context_message_ids'] = ['message-0', 'message-9'])),
      '$.agents[0].in_context_message_ids[1]',
      'unknown message id "message-9"',
    );
  });

  it("an in-context id that is another agent's message", () => {
    const doc = smallFile();
    const other = {
      ...structuredClone(firstAgent(doc)),
      id: 'agent-1',
      name: 'other',
      messages: [{ ...messageOf(doc, 0), id: 'message-4' }],
      in_context_message_ids: ['message-0'],
    };
    (doc['agents'] as Json[]).push(other);
    expectInvalid(
      () => parseAgentFile(doc),
      '$.agents[1].in_context_message_ids[0]',
      'message "message-0" belongs to agent-0, not to agent-1',
    );
  });

  it('the same message id in two agents', () => {
    const doc = smallFile();
    (doc['agents'] as Json[]).push({ ...structuredClone(firstAgent(doc)), id: 'agent-1' });
    expectInvalid(() => parseAgentFile(doc), '$.agents[1].messages[0].id', /duplicate id "message-0"/);
  });

  it('a group naming an unknown agent', () => {
    expectInvalid(
      parseEdited((doc) => (doc['groups'] = [{ id: 'group-0', agent_ids: ['agent-3'], description: '' }])),
      '$.groups[0].agent_ids[0]',
      'unknown agent id "agent-3"',
    );
  });

  it('a file in an unknown source', () => {
    expectInvalid(
      parseEdited((doc) => (doc['files'] = [{ id: 'file-0', source_id: 'source-0', file_name: 'a.txt' }])),
      '$.files[0].source_id',
    );
  });
});

describe('parseAgentFile rejects bad tool calls', () => {
  const path = '$.agents[0].messages[2].tool_calls[0].function.arguments';
  it.each([
    ['not JSON', '{"to": bob}', /expected a JSON string of the arguments object, but it is not valid JSON/],
    ['JSON but not an object', '["bob"]', /expected the arguments to be a JSON object, found an array/],
    ['a number', 7, /expected a JSON string of the arguments object, found a number/],
  ])('arguments that are %s', (_, value, message) => {
    expectInvalid(
      parseEdited((doc) => ((toolCall(doc)['function'] as Json)['arguments'] = value)),
      path,
      message,
    );
  });

  it('a tool call without a function name', () => {
    expectInvalid(
      parseEdited((doc) => delete (toolCall(doc)['function'] as Json)['name']),
      '$.agents[0].messages[2].tool_calls[0].function.name',
    );
  });
});

describe('a rejected file', () => {
  it('reports every problem it found, and no warnings', () => {
    const doc = smallFile();
    firstAgent(doc)['block_ids'] = ['block-8'];
    firstAgent(doc)['tool_ids'] = ['tool-8'];
    firstAgent(doc)['tool_rules'] = [{ tool_name: 'nope', type: 'exit_loop' }];
    const warnings: unknown[] = [];
    const error = expectInvalid(
      () => parseAgentFile(doc, { onWarning: (w) => warnings.push(w) }),
      '$.agents[0].block_ids[0]',
      /\(and 1 more\)$/,
    );
    expect(error.data['problems']).toEqual([
      { path: '$.agents[0].block_ids[0]', problem: expect.stringContaining('unknown block id') as unknown },
      { path: '$.agents[0].tool_ids[0]', problem: expect.stringContaining('unknown tool id') as unknown },
    ]);
    expect(warnings).toEqual([]);
  });
});
