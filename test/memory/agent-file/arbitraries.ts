/** fast-check generators of valid Agent File bundles (as `parseAgentFile` would produce them). */
import fc from 'fast-check';

import type { ToolCall } from '../../../src/models/index.js';
import type {
  AgentFileAgent,
  AgentFileBlock,
  AgentFileBundle,
  AgentFileMessage,
  AgentFileReasoning,
  AgentFileTool,
} from '../../../src/memory/agent-file/index.js';

type Json = Record<string, unknown>;

// Interpreted field names of each entity (kept out of generated `extra`), plus the agent fields whose
// values the writer blanks.
const AGENT_KEYS = [
  'id',
  'name',
  'description',
  'system',
  'agent_type',
  'llm_config',
  'embedding_config',
].concat(
  ['tool_rules', 'tags', 'metadata', 'block_ids', 'tool_ids', 'in_context_message_ids', 'messages'],
  ['tool_exec_environment_variables', 'secrets'],
);
const FILE_KEYS = [
  'agents',
  'groups',
  'blocks',
  'files',
  'sources',
  'tools',
  'mcp_servers',
  'skills',
  'metadata',
].concat(['created_at']);
const BLOCK_KEYS = ['id', 'label', 'value', 'limit', 'description', 'read_only', 'metadata'];
const TOOL_KEYS = ['id', 'name', 'description', 'json_schema', 'source_code', 'source_type', 'tool_type'];
const MESSAGE_KEYS = [
  'id',
  'type',
  'role',
  'content',
  'name',
  'tool_calls',
  'tool_call_id',
  'created_at',
  'agent_id',
];

const key = fc.stringMatching(/^[a-z][a-z_]{0,7}$/);
const text = (maxLength = 16): fc.Arbitrary<string> => fc.string({ maxLength });
const name = fc.string({ minLength: 1, maxLength: 10 });

const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

const jsonObject = (excluded: readonly string[] = [], minKeys = 0): fc.Arbitrary<Json> =>
  fc.dictionary(
    key.filter((k) => !excluded.includes(k)),
    json,
    { minKeys, maxKeys: 3, noNullPrototype: true },
  );

/** `{}` or absent never come back from the reader, so extra is either absent or non-empty. */
const extra = (excluded: readonly string[]): fc.Arbitrary<Json | undefined> =>
  fc.option(jsonObject(excluded, 1), { nil: undefined });

/** `T` with every property that may be `undefined` made optional instead. */
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops `undefined` properties (the reader never sets them). */
function defined<T extends object>(object: T): Defined<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Defined<T>;
}

const createdAt = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
  noInvalidDate: true,
});

const blockArb: fc.Arbitrary<Omit<AgentFileBlock, 'localId'>> = fc
  .record({
    label: name,
    value: text(40),
    limit: fc.integer({ min: 1, max: 100_000 }),
    description: text(),
    readOnly: fc.boolean(),
    metadata: jsonObject(),
    extra: extra(BLOCK_KEYS),
  })
  .map(defined);

const toolArb: fc.Arbitrary<Omit<AgentFileTool, 'localId'>> = fc
  .record({
    name,
    description: text(),
    jsonSchema: jsonObject(),
    sourceCode: fc.option(text(), { nil: undefined }),
    sourceType: fc.option(fc.constantFrom('python', 'json', 'typescript'), { nil: undefined }),
    toolType: fc.option(fc.constantFrom('custom', 'letta_core'), { nil: undefined }),
    extra: extra(TOOL_KEYS),
  })
  .map(defined);

const reasoningArb: fc.Arbitrary<AgentFileReasoning> = fc.oneof(
  fc
    .record({
      type: fc.constant('reasoning' as const),
      text: text(),
      isNative: fc.boolean(),
      signature: fc.option(text(), { nil: undefined }),
    })
    .map(defined),
  fc.record({ type: fc.constant('redacted_reasoning' as const), data: text() }, { noNullPrototype: true }),
  fc.constant({ type: 'omitted_reasoning' as const }),
);

const toolCallArb: fc.Arbitrary<ToolCall> = fc.record(
  { id: name, name, arguments: jsonObject() },
  { noNullPrototype: true },
);

interface MessageShape {
  role: AgentFileMessage['role'];
  lettaRole?: AgentFileMessage['lettaRole'];
  toolCalls?: ToolCall[] | undefined;
  toolCallId?: string | undefined;
}

type Kind =
  'system' | 'user' | 'assistant' | 'tool' | 'approval-call' | 'approval-reply' | 'summary' | 'function';

const messageArb: fc.Arbitrary<Omit<AgentFileMessage, 'localId'>> = fc
  .record({
    kind: fc.constantFrom<Kind>(
      'system',
      'user',
      'assistant',
      'tool',
      'approval-call',
      'approval-reply',
      'summary',
      'function',
    ),
    content: text(30),
    calls: fc.array(toolCallArb, { minLength: 1, maxLength: 2 }),
    hasCalls: fc.boolean(),
    toolCallId: fc.option(name, { nil: undefined }),
    name: fc.option(name, { nil: undefined }),
    reasoning: fc.option(fc.array(reasoningArb, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    otherContent: fc.option(
      fc.array(
        fc.record(
          { type: fc.constantFrom('image', 'tool_return', 'something_new'), source: json },
          { noNullPrototype: true },
        ),
        { minLength: 1, maxLength: 2 },
      ),
      { nil: undefined },
    ),
    createdAt,
    extra: extra(MESSAGE_KEYS),
  })
  .map(({ kind, calls, hasCalls, toolCallId, ...rest }) => {
    const shape: Record<Kind, MessageShape> = {
      system: { role: 'system' },
      user: { role: 'user' },
      assistant: { role: 'assistant', toolCalls: hasCalls ? calls : undefined },
      tool: { role: 'tool', toolCallId },
      'approval-call': { role: 'assistant', lettaRole: 'approval', toolCalls: calls },
      'approval-reply': { role: 'user', lettaRole: 'approval' },
      summary: { role: 'user', lettaRole: 'summary' },
      function: { role: 'tool', lettaRole: 'function', toolCallId },
    };
    return defined({ ...rest, ...shape[kind] });
  });

const llmConfigArb = fc.oneof(
  fc.constant({}),
  fc
    .record({
      rest: jsonObject(['model', 'model_endpoint_type', 'context_window']),
      model: name,
      context_window: fc.integer({ min: 1, max: 2_000_000 }),
    })
    .map(({ rest, ...known }) => ({ ...rest, ...known })),
);

const toolRuleArb = fc
  .record({
    rest: jsonObject(['type', 'tool_name']),
    type: name,
    tool_name: fc.option(name, { nil: undefined }),
  })
  .map(({ rest, ...known }) => defined({ ...rest, ...known }));

const agentArb = fc.record({
  name,
  description: text(),
  system: text(40),
  agentType: fc.option(fc.constantFrom('letta_v1_agent', 'memgpt_agent', 'sleeptime_agent'), {
    nil: undefined,
  }),
  llmConfig: llmConfigArb,
  embeddingConfig: fc.option(jsonObject(), { nil: undefined }),
  toolRules: fc.array(toolRuleArb, { maxLength: 3 }),
  tags: fc.array(text(8), { maxLength: 3 }),
  metadata: jsonObject(),
  extra: extra(AGENT_KEYS),
  messages: fc.array(fc.tuple(messageArb, fc.boolean()), { maxLength: 6 }),
  blockPick: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  toolPick: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
});

/** Valid bundles: unique ids of Letta's form, references that resolve, unique tool names and block labels. */
export const bundleArb: fc.Arbitrary<AgentFileBundle> = fc
  .record({
    blocks: fc.uniqueArray(blockArb, { selector: (block) => block.label, maxLength: 6 }),
    tools: fc.uniqueArray(toolArb, { selector: (tool) => tool.name, maxLength: 5 }),
    agents: fc.array(agentArb, { minLength: 1, maxLength: 3 }),
    idBase: fc.nat(20),
    groupPick: fc.array(fc.boolean(), { maxLength: 3 }),
    sources: fc.array(name, { maxLength: 2 }),
    mcpServers: fc.array(name, { maxLength: 2 }),
    skills: fc.array(jsonObject(), { maxLength: 2 }),
    metadata: fc.dictionary(key, text(), { maxKeys: 3, noNullPrototype: true }),
    extra: extra(FILE_KEYS),
  })
  .map(
    ({
      blocks,
      tools,
      agents,
      idBase,
      groupPick,
      sources,
      mcpServers,
      skills,
      metadata,
      extra: fileExtra,
    }) => {
      const blockList = blocks.map((block, i) => ({ ...block, localId: `block-${idBase + i}` }));
      const toolList = tools.map((tool, i) => ({ ...tool, localId: `tool-${i * 3}` }));
      let messageNumber = idBase;
      const agentList = agents.map(({ messages, blockPick, toolPick, extra: agentExtra, ...agent }, a) => {
        const withIds = messages.map(([message, inContext]) => ({
          message: { ...message, localId: `message-${messageNumber++}` },
          inContext,
        }));
        const result: AgentFileAgent = defined({
          ...agent,
          localId: `agent-${a}`,
          blockLocalIds: blockList.filter((_, i) => blockPick[i]).map((block) => block.localId),
          toolLocalIds: toolList.filter((_, i) => toolPick[i]).map((tool) => tool.localId),
          messages: withIds.map(({ message }) => message),
          inContextMessageLocalIds: withIds
            .filter(({ inContext }) => inContext)
            .map(({ message }) => message.localId),
          extra: agentExtra,
        });
        return result;
      });
      const sourceList = sources.map((sourceName, i) => ({ id: `source-${i}`, name: sourceName }));
      return {
        agents: agentList,
        blocks: blockList,
        tools: toolList,
        groups: groupPick.map((pick, g) => ({
          id: `group-${g}`,
          agent_ids: agentList.filter((_, i) => pick || i === 0).map((agent) => agent.localId),
          description: '',
          manager_config: { manager_type: 'round_robin' },
        })),
        files: sourceList.map((source, f) => ({
          id: `file-${f}`,
          source_id: source.id,
          file_name: `${source.name}.txt`,
        })),
        sources: sourceList,
        mcpServers: mcpServers.map((server, i) => ({
          id: `mcp_server-${i}`,
          server_name: server,
          server_type: 'sse',
        })),
        skills,
        metadata,
        format: 'v2' as const,
        ...(fileExtra !== undefined && { extra: fileExtra }),
      };
    },
  );
