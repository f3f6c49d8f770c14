import type { AgentHandle, Kernel } from '../kernel/index.js';
import {
  AgentMemory,
  llmSummarizer,
  memoryTools,
  type BufferPolicy,
  type MemoryService,
} from '../memory/index.js';
import type { FunctionTool } from '../tools/index.js';
import { inMemoryConversation, runAgent, type AgentEvent, type AgentRunResult } from './run-agent.js';

export interface MemoryTurnOptions {
  memory: MemoryService;
  agentId: string;
  kernel: Kernel;
  /** The user's message for this turn. */
  message: string;
  /** Which backend model to use (default: the agent's model if the kernel serves it, else the least busy). */
  model?: string | undefined;
  /** Tools besides the memory tools. */
  tools?: FunctionTool[];
  maxSteps?: number;
  maxTokens?: number | undefined;
  policy?: BufferPolicy | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: (event: AgentEvent) => void;
}

export interface MemoryTurnResult extends AgentRunResult {
  /** Set when this turn started the agent's sleep-time memory pass; resolves when the pass is done. */
  sleeptime?: Promise<SleeptimeReport>;
}

export interface SleeptimeReport {
  reviewedMessages: number;
  summary: string;
}

/**
 * One turn of a persistent agent: the context comes from its memory (core blocks, summary, recent messages),
 * every message is stored in recall memory, the memory tools are available, prompts that would overflow
 * are compacted through the kernel's hook, and every `sleeptime.frequency` turns a sleep-time agent
 * reorganises memory in the background.
 */
export async function runMemoryAgentTurn(options: MemoryTurnOptions): Promise<MemoryTurnResult> {
  const { memory, agentId, kernel } = options;
  const agent = await memory.getAgent(agentId);
  const model =
    options.model ??
    (kernel.backends.some((backend) => backend.id === agent.model) ? agent.model : undefined);
  let agentMemory: AgentMemory | undefined;
  const handle = await kernel.acquireAgent(agent.id, {
    compact: (request, overflow) =>
      agentMemory ? agentMemory.compactForOverflow(request, overflow) : Promise.resolve(undefined),
  });
  try {
    const provider = handle.asProvider(model);
    agentMemory = new AgentMemory(memory, agent.id, {
      model: provider,
      summarizer: llmSummarizer(provider),
      policy: options.policy,
    });
    const result = await runAgent({
      provider,
      goal: options.message,
      conversation: agentMemory,
      tools: [...memoryTools(memory, agent.id), ...(options.tools ?? [])],
      runTool: (tool, args, signal) => handle.callTool(tool, args, signal ? { signal } : {}),
      ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      maxTokens: options.maxTokens,
      signal: options.signal,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const due = agent.sleeptime ? await dueSleeptime(memory, agent.id, agent.sleeptime.frequency) : false;
    return due ? { ...result, sleeptime: runSleeptimePass(options, model) } : result;
  } finally {
    handle.release();
  }
}

// Two metadata keys, so a turn counting itself and a pass recording its progress never overwrite each other.
const TURNS_KEY = 'sleeptimeTurns';
const PROCESSED_KEY = 'sleeptimeProcessedMessages';

function metadataNumber(metadata: Record<string, unknown>, key: string): number {
  const value = metadata[key];
  return typeof value === 'number' ? value : 0;
}

/** Counts the turn; true every `frequency` turns, when the sleep-time pass is due. */
async function dueSleeptime(memory: MemoryService, agentId: string, frequency: number): Promise<boolean> {
  const agent = await memory.getAgent(agentId);
  const turns = metadataNumber(agent.metadata, TURNS_KEY) + 1;
  await memory.updateAgentMetadata(agentId, { [TURNS_KEY]: turns });
  return turns % frequency === 0;
}

const SLEEPTIME_INSTRUCTIONS =
  'You are the sleep-time memory agent of another agent and share its memory blocks. You do not talk to the user. ' +
  'Read the recent conversation below and reorganise memory: keep the core blocks accurate, concise and free of duplicates ' +
  '(memory_replace, memory_insert, memory_rethink), and move details worth keeping but not needed every turn into archival memory ' +
  '(archival_memory_insert). When done, reply with one line saying what you changed.';

/** Reviews the messages since the last pass and lets a background agent reorganise the shared memory. */
async function runSleeptimePass(
  options: MemoryTurnOptions,
  model: string | undefined,
): Promise<SleeptimeReport> {
  const { memory, agentId, kernel } = options;
  const agent = await memory.getAgent(agentId);
  const processed = metadataNumber(agent.metadata, PROCESSED_KEY);
  const recent = await memory.listMessages(agentId, { offset: processed, limit: 500 });
  const handle: AgentHandle = await kernel.acquireAgent(`${agentId}:sleeptime`, { priority: -1 });
  try {
    const transcript = recent
      .filter((message) => message.role !== 'tool')
      .map((message) => `${message.role}: ${message.content}`)
      .join('\n');
    const instructions = `${SLEEPTIME_INSTRUCTIONS}\n\nThe agent's memory as it stands:\n${await memory.systemPrompt(agent)}`;
    const result = await runAgent({
      provider: handle.asProvider(model),
      goal: `Recent conversation (${recent.length} messages):\n${transcript}`,
      conversation: inMemoryConversation(instructions),
      tools: memoryTools(memory, agentId).filter((tool) => tool.name !== 'conversation_search'),
      runTool: (tool, args, signal) => handle.callTool(tool, args, signal ? { signal } : {}),
      maxSteps: 6,
    });
    await memory.updateAgentMetadata(agentId, { [PROCESSED_KEY]: processed + recent.length });
    return { reviewedMessages: recent.length, summary: result.answer };
  } finally {
    handle.release();
  }
}
