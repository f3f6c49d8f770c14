import { describe, expect, it } from 'vitest';

import type { AgentFileWarning } from '../../../src/memory/agent-file/index.js';
import { parseAgentFile, serializeAgentFile } from '../../../src/memory/agent-file/index.js';
import { expectInvalid, fixture } from './helpers.js';

const MEMGPT = 'memgpt_agent_with_convo.af';
const OUTREACH = 'outreach_workflow_agent.af';

function parseWithWarnings(
  input: unknown,
): { warnings: AgentFileWarning[] } & ReturnType<typeof parseAgentFile> {
  const warnings: AgentFileWarning[] = [];
  const bundle = parseAgentFile(input, { onWarning: (warning) => warnings.push(warning) });
  return { ...bundle, warnings };
}

describe('Letta example: memgpt_agent_with_convo.af', () => {
  const { warnings, ...bundle } = parseWithWarnings(fixture(MEMGPT));
  const agent = bundle.agents[0]!;

  it('reads the agent', () => {
    expect(bundle.format).toBe('v2');
    expect(bundle.agents).toHaveLength(1);
    expect(agent.localId).toBe('agent-0');
    expect(agent.name).toBe('memgpt_agent');
    expect(agent.description).toBe('A simple MemGPT agent from the original project release');
    expect(agent.agentType).toBe('letta_v1_agent');
    expect(agent.system).toMatch(/^<base_instructions>\nYou are a helpful self-improving agent/);
    expect(agent.llmConfig).toMatchObject({
      model: 'gpt-4o-mini',
      context_window: 32000,
      handle: 'openai/gpt-4o-mini',
    });
    expect(agent.embeddingConfig).toMatchObject({
      embedding_model: 'text-embedding-3-small',
      embedding_dim: 2000,
    });
    expect(agent.toolRules).toEqual([]);
    expect(agent.tags).toEqual([]);
    expect(agent.metadata).toEqual({});
    expect(agent.extra).toMatchObject({
      timezone: 'UTC',
      max_files_open: 5,
      group_ids: [],
      files_agents: [],
    });
    expect(warnings).toEqual([]);
  });

  it('reads the human and persona blocks', () => {
    expect(agent.blockLocalIds).toEqual(['block-0', 'block-1']);
    const [human, persona] = bundle.blocks;
    expect(human).toMatchObject({
      localId: 'block-0',
      label: 'human',
      limit: 20000,
      readOnly: false,
      metadata: {},
    });
    expect(human!.value).toHaveLength(298); // chars_current=298 in the compiled system prompt
    expect(human!.value).toContain('Occupation: Computer science PhD student at UC Berkeley');
    expect(human!.description).toMatch(/^The human block: Stores key details/);
    expect(persona).toMatchObject({ localId: 'block-1', label: 'persona', limit: 20000 });
    expect(persona!.value).toHaveLength(1172);
    expect(persona!.value).toContain('I am Sam.');
  });

  it('reads the tools in file order and the agent references them by id', () => {
    expect(bundle.tools.map((tool) => [tool.localId, tool.name, tool.toolType])).toEqual([
      ['tool-0', 'conversation_search', 'letta_core'],
      ['tool-2', 'memory_insert', 'letta_sleeptime_core'],
      ['tool-1', 'memory_replace', 'letta_sleeptime_core'],
    ]);
    expect(agent.toolLocalIds).toEqual(['tool-0', 'tool-1', 'tool-2']);
    const search = bundle.tools[0]!;
    expect(search.sourceCode).toBeUndefined();
    expect(search.jsonSchema['parameters']).toMatchObject({ required: ['query'] });
    expect(search.extra).toMatchObject({ return_char_limit: 50000, tags: ['letta_core'] });
  });

  it('reads the one in-context message: the compiled system prompt', () => {
    expect(agent.messages).toHaveLength(1);
    expect(agent.inContextMessageLocalIds).toEqual(['message-0']);
    const system = agent.messages[0]!;
    expect(system).toMatchObject({ localId: 'message-0', role: 'system' });
    expect(system.content).toContain('<memory_blocks>');
    expect(system.content).toContain('- chars_current=298');
    expect(system.createdAt.toISOString()).toBe('2025-10-31T22:56:56.459Z');
    expect(system.toolCalls).toBeUndefined();
    expect(system.extra).toMatchObject({ model: 'gpt-4o-mini', tool_returns: [], approvals: [] });
  });

  it('carries the file-level parts through', () => {
    expect(bundle.metadata).toEqual({ revision_id: 'f6cd5a1e519d' });
    expect(bundle).toMatchObject({ groups: [], files: [], sources: [], mcpServers: [], skills: [] });
  });
});

describe('Letta example: outreach_workflow_agent.af (JSON wrapped in a JSON string)', () => {
  const text = fixture(OUTREACH);

  it('is a JSON string whose content is the file', () => {
    expect(typeof JSON.parse(text)).toBe('string');
  });

  const bundle = parseAgentFile(text);
  const agent = bundle.agents[0]!;

  it('reads the agent, its tools and no blocks', () => {
    expect(agent.name).toBe('outreach_workflow_agent');
    expect(agent.system).toBe('');
    expect(agent.extra).toMatchObject({ message_buffer_autoclear: true });
    expect(bundle.blocks).toEqual([]);
    expect(agent.blockLocalIds).toEqual([]);
    expect(agent.toolLocalIds).toEqual(['tool-0', 'tool-1', 'tool-2', 'tool-3']);
    const byId = new Map(bundle.tools.map((tool) => [tool.localId, tool]));
    expect(agent.toolLocalIds.map((id) => byId.get(id)?.name)).toEqual([
      'reject',
      'send_email',
      'evaluate_candidate',
      'retrieve_candidate',
    ]);
    expect(byId.get('tool-1')).toMatchObject({ sourceType: 'python', toolType: 'custom' });
    expect(byId.get('tool-1')!.sourceCode).toContain('def send_email(candidate_name: str');
    expect(byId.get('tool-1')!.extra).toMatchObject({ return_char_limit: 6000, metadata_: null });
    expect(agent.messages.map((m) => m.role)).toEqual(['system']);
    expect(agent.inContextMessageLocalIds).toEqual(['message-0']);
  });

  it('reads the tool rules exactly', () => {
    expect(agent.toolRules).toHaveLength(5);
    expect(agent.toolRules.map((rule) => [rule['tool_name'], rule['type']])).toEqual([
      ['retrieve_candidate', 'run_first'],
      ['retrieve_candidate', 'constrain_child_tools'],
      ['evaluate_candidate', 'conditional'],
      ['reject', 'exit_loop'],
      ['send_email', 'exit_loop'],
    ]);
    expect(agent.toolRules[1]).toMatchObject({ children: ['evaluate_candidate'] });
    expect(agent.toolRules[2]).toMatchObject({
      default_child: 'reject',
      child_output_mapping: { True: 'send_email', False: 'reject' },
      require_output_mapping: false,
    });
  });

  it('reads the same whether given the text, the decoded string, the object, or wrapped once more', () => {
    const decoded = JSON.parse(text) as string;
    expect(parseAgentFile(decoded)).toEqual(bundle);
    expect(parseAgentFile(JSON.parse(decoded))).toEqual(bundle);
    expect(parseAgentFile(JSON.stringify(text))).toEqual(bundle);
    expect(parseAgentFile(new TextEncoder().encode(text))).toEqual(bundle);
    expectInvalid(() => parseAgentFile(JSON.stringify(JSON.stringify(text))), '$', /more than 2 times/);
  });
});

describe.each([MEMGPT, OUTREACH])('%s round trip', (name) => {
  it('parse → serialize → parse gives the first parse back', () => {
    const first = parseAgentFile(fixture(name));
    const written = serializeAgentFile(first, { createdAt: new Date('2026-01-02T03:04:05.000Z') });
    expect(parseAgentFile(JSON.stringify(written))).toEqual(first);
  });

  it('writes what Letta wrote, apart from sub-millisecond digits and nulls for absent values', () => {
    const text = fixture(name);
    const decoded = JSON.parse(text) as unknown;
    const original = (typeof decoded === 'string' ? JSON.parse(decoded) : decoded) as Record<string, unknown>;
    const createdAt = new Date(original['created_at'] as string);
    const written = serializeAgentFile(parseAgentFile(text), { createdAt });
    const normalise = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value), (key, v: unknown) => {
        if (v === null) return undefined; // Letta writes null for absent optional values
        if (key === 'metadata' && typeof v === 'object' && Object.keys(v as object).length === 0)
          return undefined;
        if (key === 'created_at') return new Date(v as string).toISOString();
        return v;
      });
    expect(normalise(written)).toEqual(normalise(original));
  });
});
