import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { AgentFileBundle } from '../../../src/memory/agent-file/index.js';
import { agentFileSchema, parseAgentFile, serializeAgentFile } from '../../../src/memory/agent-file/index.js';
import { bundleArb } from './arbitraries.js';
import { expectInvalid, firstAgent, smallFile } from './helpers.js';

type Json = Record<string, unknown>;

const RUNS = { numRuns: 150 };

describe('serializeAgentFile ∘ parseAgentFile', () => {
  it('gives back every generated bundle (through the JSON text)', () => {
    fc.assert(
      fc.property(bundleArb, (bundle) => {
        const text = JSON.stringify(serializeAgentFile(bundle));
        expect(parseAgentFile(text)).toStrictEqual(bundle);
      }),
      RUNS,
    );
  });

  it('writes documents that satisfy the current-format schema', () => {
    fc.assert(
      fc.property(bundleArb, (bundle) => {
        expect(agentFileSchema.safeParse(serializeAgentFile(bundle)).success).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe('serializeAgentFile', () => {
  const bundle = parseAgentFile(smallFile());

  it("writes Letta's top-level keys, created_at from the option, skills only when there are some", () => {
    const written = serializeAgentFile(bundle, { createdAt: new Date('2026-03-04T05:06:07.089Z') });
    expect(Object.keys(written)).toEqual([
      'agents',
      'groups',
      'blocks',
      'files',
      'sources',
      'tools',
      'mcp_servers',
      'metadata',
      'created_at',
    ]);
    expect(written['created_at']).toBe('2026-03-04T05:06:07.089Z');
    expect(written['metadata']).toEqual({ revision_id: 'abc123' });
    const skills = [{ name: 'pdf', files: { 'SKILL.md': '# pdf' } }];
    expect(serializeAgentFile({ ...bundle, skills })['skills']).toEqual(skills);
  });

  it('carries top-level fields it does not know', () => {
    const doc = { ...smallFile(), archives: [{ id: 'archive-0', name: 'notes' }] };
    const parsed = parseAgentFile(doc);
    expect(parsed.extra).toEqual({ archives: [{ id: 'archive-0', name: 'notes' }] });
    expect(serializeAgentFile(parsed)['archives']).toEqual([{ id: 'archive-0', name: 'notes' }]);
  });

  it('writes blocks, tools and the agent as Letta names them', () => {
    const written = serializeAgentFile(bundle);
    expect((written['blocks'] as Json[])[1]).toEqual({
      value: 'I am Sam.',
      limit: 5000,
      label: 'persona',
      read_only: true,
      description: '',
      metadata: {},
      id: 'block-1',
    });
    expect((written['tools'] as Json[])[1]).toEqual({
      id: 'tool-1',
      tool_type: 'custom',
      description: '',
      name: 'lookup',
      json_schema: { name: 'lookup' },
    });
    expect(firstAgent(written)).toMatchObject({
      id: 'agent-0',
      name: 'helper',
      agent_type: 'letta_v1_agent',
      llm_config: { model: 'gpt-4o-mini', model_endpoint_type: 'openai', context_window: 32000 },
      tool_rules: [{ tool_name: 'send_email', type: 'exit_loop' }],
      block_ids: ['block-0', 'block-1'],
      tool_ids: ['tool-0', 'tool-1'],
      in_context_message_ids: ['message-0', 'message-1', 'message-2', 'message-3'],
      files_agents: [],
      group_ids: [],
    });
  });

  it('numbers ids that are not of the file-local form, and keeps the references consistent', () => {
    const renamed: AgentFileBundle = {
      ...bundle,
      blocks: bundle.blocks.map((block, i) => ({ ...block, localId: i === 0 ? 'b7f3c2' : 'block-0' })),
      tools: bundle.tools.map((tool) => ({ ...tool, localId: `db:${tool.name}` })),
      agents: bundle.agents.map((agent) => ({
        ...agent,
        localId: 'agent-uuid',
        blockLocalIds: ['b7f3c2', 'block-0'],
        toolLocalIds: ['db:send_email', 'db:lookup'],
        messages: agent.messages.map((m, i) => ({ ...m, localId: `m${i}` })),
        inContextMessageLocalIds: ['m0', 'm3'],
      })),
    };
    const written = serializeAgentFile(renamed);
    const agent = firstAgent(written);
    expect(agent['id']).toBe('agent-0');
    expect(agent['block_ids']).toEqual(['block-1', 'block-0']); // block-0 was taken by the second block
    expect((written['blocks'] as Json[]).map((b) => [b['id'], b['label']])).toEqual([
      ['block-1', 'human'],
      ['block-0', 'persona'],
    ]);
    expect(agent['tool_ids']).toEqual(['tool-0', 'tool-1']);
    expect(agent['in_context_message_ids']).toEqual(['message-0', 'message-3']);
    expect(parseAgentFile(written).agents[0]!.messages.map((m) => m.content)).toEqual(
      bundle.agents[0]!.messages.map((m) => m.content),
    );
  });

  it('keeps message ids unique across agents', () => {
    const agent = bundle.agents[0]!;
    const twins: AgentFileBundle = {
      ...bundle,
      agents: [agent, { ...agent, localId: 'agent-1', name: 'twin' }],
    };
    const written = serializeAgentFile(twins);
    const second = (written['agents'] as Json[])[1]!;
    expect((second['messages'] as Json[]).map((m) => m['id'])).toEqual([
      'message-4',
      'message-5',
      'message-6',
      'message-7',
    ]);
    expect(second['in_context_message_ids']).toEqual(['message-4', 'message-5', 'message-6', 'message-7']);
    expect(parseAgentFile(written).agents).toHaveLength(2);
  });

  it('blanks the values of tool environment variables and secrets, as Letta does', () => {
    const agent = {
      ...bundle.agents[0]!,
      extra: { tool_exec_environment_variables: { TOKEN: 'x' }, secrets: { K: 'v' } },
    };
    expect(firstAgent(serializeAgentFile({ ...bundle, agents: [agent] }))).toMatchObject({
      tool_exec_environment_variables: { TOKEN: '' },
      secrets: { K: '' },
    });
  });

  it('rejects a bundle whose references do not resolve, naming the bundle path', () => {
    const agent = { ...bundle.agents[0]!, blockLocalIds: ['block-0', 'block-9'] };
    expectInvalid(
      () => serializeAgentFile({ ...bundle, agents: [agent] }),
      '$.agents[0].blockLocalIds[1]',
      /bundle/,
    );
    const badInContext = { ...bundle.agents[0]!, inContextMessageLocalIds: ['message-42'] };
    expectInvalid(
      () => serializeAgentFile({ ...bundle, agents: [badInContext] }),
      '$.agents[0].inContextMessageLocalIds[0]',
      "is not one of the agent's messages",
    );
    const twoBlocks = {
      ...bundle,
      blocks: [bundle.blocks[0]!, { ...bundle.blocks[1]!, localId: 'block-0' }],
    };
    expectInvalid(() => serializeAgentFile(twoBlocks), '$.blocks[1].localId', /duplicate local id/);
  });

  it('rejects an invalid date', () => {
    const agent = bundle.agents[0]!;
    const broken = { ...agent, messages: [{ ...agent.messages[0]!, createdAt: new Date(Number.NaN) }] };
    expectInvalid(
      () => serializeAgentFile({ ...bundle, agents: [{ ...broken, inContextMessageLocalIds: [] }] }),
      '$.agents[0].messages[0].createdAt',
    );
  });
});
