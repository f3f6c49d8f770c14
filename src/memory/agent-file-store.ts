import { UserError } from '../errors/index.js';
import { parseModelId } from '../models/index.js';
import type { SqlExecutor } from '../store/index.js';
import { parseAgentFile, serializeAgentFile } from './agent-file/index.js';
import type {
  AgentFileAgent,
  AgentFileBlock,
  AgentFileBundle,
  AgentFileMessage,
  AgentFileTool,
  AgentFileWarning,
} from './agent-file/index.js';
import { attachBlock, blocksOf, createBlock } from './blocks.js';
import type { MemoryService } from './memory-service.js';
import { appendMessages, type AppendableMessage } from './recall.js';
import { toMessage, type MessageRow } from './rows.js';
import type { AgentRecord } from './types.js';

/** Where Letta-only data lives in Hydra's metadata columns, so an export gives back what was imported. */
const AGENT_KEY = 'letta';
const MESSAGE_KEY = 'letta';

interface LettaAgentData {
  agentType?: string;
  llmConfig?: Record<string, unknown>;
  embeddingConfig?: Record<string, unknown>;
  extra?: Record<string, unknown>;
  tools?: AgentFileTool[];
  bundle?: Pick<AgentFileBundle, 'groups' | 'files' | 'sources' | 'mcpServers' | 'skills' | 'metadata'> & {
    extra?: Record<string, unknown>;
  };
}

export interface ImportResult {
  agents: AgentRecord[];
  warnings: AgentFileWarning[];
}

/**
 * Imports an Agent File (text or parsed JSON, current or legacy format) in one transaction: a file that is
 * invalid anywhere imports nothing. Blocks keep their sharing (agents listing the same block share it).
 */
export async function importAgentFile(service: MemoryService, input: unknown): Promise<ImportResult> {
  const warnings: AgentFileWarning[] = [];
  const bundle = parseAgentFile(input, { onWarning: (warning) => warnings.push(warning) });
  const agents = await service.store.transaction(async (tx) => {
    const blockIds = new Map<string, string>();
    for (const block of bundle.blocks) blockIds.set(block.localId, await importBlock(tx, block));
    const imported: AgentRecord[] = [];
    for (const [index, agent] of bundle.agents.entries())
      imported.push(await importAgent(service, tx, bundle, agent, blockIds, index === 0));
    return imported;
  });
  return { agents, warnings };
}

async function importBlock(tx: SqlExecutor, block: AgentFileBlock): Promise<string> {
  // Letta stopped enforcing limits, so files may hold blocks over theirs: keep the text, widen the limit.
  const created = await createBlock(tx, {
    label: block.label,
    value: block.value,
    limit: Math.max(block.limit, block.value.length, 1),
    description: block.description,
    readOnly: block.readOnly,
    metadata: { ...block.metadata, ...(block.extra ? { [AGENT_KEY]: block.extra } : {}) },
  });
  return created.id;
}

async function importAgent(
  service: MemoryService,
  tx: SqlExecutor,
  bundle: AgentFileBundle,
  agent: AgentFileAgent,
  blockIds: Map<string, string>,
  carriesBundle: boolean,
): Promise<AgentRecord> {
  const tools = agent.toolLocalIds.flatMap((localId) =>
    bundle.tools.filter((tool) => tool.localId === localId),
  );
  const letta: LettaAgentData = {
    ...(agent.agentType !== undefined ? { agentType: agent.agentType } : {}),
    llmConfig: agent.llmConfig,
    ...(agent.embeddingConfig ? { embeddingConfig: agent.embeddingConfig } : {}),
    ...(agent.extra ? { extra: agent.extra } : {}),
    tools,
    ...(carriesBundle
      ? {
          bundle: {
            groups: bundle.groups,
            files: bundle.files,
            sources: bundle.sources,
            mcpServers: bundle.mcpServers,
            skills: bundle.skills,
            metadata: bundle.metadata,
            ...(bundle.extra ? { extra: bundle.extra } : {}),
          },
        }
      : {}),
  };
  const contextWindow = agent.llmConfig['context_window'];
  const model = modelIdFromLlmConfig(agent.llmConfig);
  const record = await service.createAgent(
    {
      name: agent.name,
      description: agent.description,
      instructions: agent.system,
      ...(model ? { model } : {}),
      ...(typeof contextWindow === 'number' ? { contextWindow } : {}),
      tools: tools.map((tool) => tool.name),
      toolRules: agent.toolRules,
      tags: agent.tags,
      metadata: { ...agent.metadata, [AGENT_KEY]: letta },
      blocks: [],
    },
    tx,
  );
  for (const localId of agent.blockLocalIds) {
    const blockId = blockIds.get(localId);
    if (blockId) await attachBlock(tx, record.id, blockId, 'rw');
  }
  // The in-context system message is Letta's compiled prompt; Hydra compiles its own, so it is not kept.
  const compiledSystem = new Set(
    agent.inContextMessageLocalIds
      .filter((localId) => agent.messages.find((message) => message.localId === localId)?.role === 'system')
      .slice(0, 1),
  );
  const kept = agent.messages.filter((message) => !compiledSystem.has(message.localId));
  const stored = await appendMessages(tx, record.id, kept.map(toAppendable));
  const ids = new Map(kept.map((message, index) => [message.localId, stored[index]?.id ?? '']));
  const inContext = agent.inContextMessageLocalIds.flatMap((localId) =>
    ids.has(localId) ? [ids.get(localId) as string] : [],
  );
  await service.setSummary(record.id, '', inContext, tx);
  return { ...record, inContextMessageIds: inContext };
}

function toAppendable(message: AgentFileMessage): AppendableMessage {
  const letta = {
    ...(message.reasoning ? { reasoning: message.reasoning } : {}),
    ...(message.otherContent ? { otherContent: message.otherContent } : {}),
    ...(message.lettaRole ? { lettaRole: message.lettaRole } : {}),
    ...(message.extra ? { extra: message.extra } : {}),
  };
  const metadata = Object.keys(letta).length > 0 ? { [MESSAGE_KEY]: letta } : undefined;
  const common = { createdAt: message.createdAt, ...(metadata ? { metadata } : {}) };
  switch (message.role) {
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...(message.toolCalls ? { toolCalls: message.toolCalls } : {}),
        ...common,
      };
    case 'tool':
      return {
        role: 'tool',
        content: message.content,
        toolCallId: message.toolCallId ?? '',
        ...(message.name ? { name: message.name } : {}),
        ...common,
      };
    default:
      return { role: message.role, content: message.content, ...common };
  }
}

/** Letta's `llm_config` as a Hydra model id, when it names a provider Hydra knows. */
export function modelIdFromLlmConfig(config: Record<string, unknown>): string | undefined {
  const model = config['model'];
  const type = config['model_endpoint_type'];
  const endpoint = config['model_endpoint'];
  if (typeof model !== 'string' || model === '') return undefined;
  const candidates: string[] = [];
  if (type === 'openai' && (typeof endpoint !== 'string' || endpoint.includes('api.openai.com')))
    candidates.push(`openai:${model}`);
  else if (type === 'anthropic') candidates.push(`anthropic:${model}`);
  else if (type === 'ollama' || type === 'vllm') candidates.push(`${type}:${model}`);
  if (typeof endpoint === 'string' && /^https?:\/\//.test(endpoint))
    candidates.push(`openai-compatible:${endpoint}#${model}`);
  for (const candidate of candidates) {
    try {
      parseModelId(candidate);
      return candidate;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** Exports agents (with their blocks, tools and every message) as an Agent File in Letta's current format. */
export async function exportAgentFile(
  service: MemoryService,
  agentIds: readonly string[],
  now = new Date(),
): Promise<Record<string, unknown>> {
  if (agentIds.length === 0) throw new UserError('invalid_input', 'Name at least one agent to export.');
  const bundle: AgentFileBundle = {
    agents: [],
    blocks: [],
    tools: [],
    groups: [],
    files: [],
    sources: [],
    mcpServers: [],
    skills: [],
    metadata: {},
    format: 'v2',
  };
  const seenBlocks = new Set<string>();
  const seenTools = new Map<string, string>();
  for (const [index, idOrName] of agentIds.entries()) {
    const agent = await service.getAgent(idOrName);
    const letta = (agent.metadata[AGENT_KEY] ?? {}) as LettaAgentData;
    if (index === 0 && letta.bundle) {
      const { extra, ...carried } = letta.bundle;
      Object.assign(bundle, carried);
      if (extra) bundle.extra = extra;
    }
    const blocks = await blocksOf(service.store, agent.id);
    for (const block of blocks) {
      if (seenBlocks.has(block.id)) continue;
      seenBlocks.add(block.id);
      const { [AGENT_KEY]: extra, ...metadata } = block.metadata;
      bundle.blocks.push({
        localId: block.id,
        label: block.label,
        value: block.value,
        limit: block.limit,
        description: block.description,
        readOnly: block.readOnly,
        metadata,
        ...(extra ? { extra: extra as Record<string, unknown> } : {}),
      });
    }
    const toolLocalIds: string[] = [];
    for (const name of agent.tools) {
      let localId = seenTools.get(name);
      if (!localId) {
        const known = letta.tools?.find((tool) => tool.name === name);
        localId = `tool-${seenTools.size}`;
        seenTools.set(name, localId);
        bundle.tools.push(
          known
            ? { ...known, localId }
            : {
                localId,
                name,
                description: '',
                jsonSchema: { name, description: '', parameters: { type: 'object', properties: {} } },
              },
        );
      }
      toolLocalIds.push(localId);
    }
    const { rows } = await service.store.query<MessageRow>(
      `select id, agent_id, role, content, tool_calls, tool_call_id, name, metadata, created_at from messages where agent_id = $1 order by created_at, seq`,
      [agent.id],
    );
    const systemId = `${agent.id}:system`;
    const messages: AgentFileMessage[] = [
      { localId: systemId, role: 'system', content: await service.systemPrompt(agent, now), createdAt: now },
      ...rows.map((row) => fromStored(toMessage(row))),
    ];
    const { [AGENT_KEY]: _letta, ...metadata } = agent.metadata;
    bundle.agents.push({
      localId: agent.id,
      name: agent.name,
      description: agent.description,
      system: agent.instructions,
      ...(letta.agentType !== undefined ? { agentType: letta.agentType } : {}),
      llmConfig: letta.llmConfig ?? llmConfigFor(agent),
      ...(letta.embeddingConfig ? { embeddingConfig: letta.embeddingConfig } : {}),
      toolRules: agent.toolRules,
      tags: agent.tags,
      metadata,
      blockLocalIds: blocks.map((block) => block.id),
      toolLocalIds,
      messages,
      inContextMessageLocalIds: [systemId, ...agent.inContextMessageIds],
      ...(letta.extra ? { extra: letta.extra } : {}),
    });
  }
  return serializeAgentFile(bundle, { createdAt: now });
}

function fromStored(message: ReturnType<typeof toMessage>): AgentFileMessage {
  const letta = (message.metadata?.[MESSAGE_KEY] ?? {}) as Partial<
    Pick<AgentFileMessage, 'reasoning' | 'otherContent' | 'lettaRole' | 'extra'>
  >;
  return {
    localId: message.id,
    role: message.role,
    content: message.content,
    ...(message.toolCalls ? { toolCalls: message.toolCalls } : {}),
    ...(message.toolCallId !== undefined ? { toolCallId: message.toolCallId } : {}),
    ...(message.name !== undefined ? { name: message.name } : {}),
    createdAt: message.createdAt,
    ...letta,
  };
}

function llmConfigFor(agent: AgentRecord): Record<string, unknown> {
  if (!agent.model) return {};
  const ref = parseModelId(agent.model);
  return {
    model: ref.model,
    model_endpoint_type: ref.provider === 'openai-compatible' ? 'openai' : ref.provider,
    ...(ref.baseUrl ? { model_endpoint: ref.baseUrl } : {}),
    ...(agent.contextWindow ? { context_window: agent.contextWindow } : {}),
  };
}
