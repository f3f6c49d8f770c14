import type { ContextOverflowError } from '../errors/index.js';
import type { ChatMessage, ChatRequest, ModelProvider } from '../models/index.js';
import { countChatTokens } from '../models/index.js';
import {
  DEFAULT_BUFFER_POLICY,
  planEviction,
  pressureOf,
  type BufferPolicy,
  type Pressure,
} from './buffer.js';
import type { MemoryService } from './memory-service.js';
import { MEMORY_PRESSURE_WARNING, summaryMessage } from './render.js';
import type { AgentRecord, StoredMessage } from './types.js';

/** Folds evicted messages into the running summary; usually an LLM call (see `llmSummarizer`). */
export type Summarizer = (input: {
  previousSummary: string;
  evicted: readonly StoredMessage[];
  /** The summary must fit this many tokens. */
  maxTokens: number;
}) => Promise<string>;

export interface CompactionReport {
  evicted: number;
  kept: number;
  tokensBefore: number;
  tokensAfter: number;
  summaryChars: number;
}

export interface AgentMemoryOptions {
  /** The model whose window and tokenizer the buffer is managed for. */
  model: Pick<ModelProvider, 'contextWindow' | 'tokenizer'>;
  summarizer?: Summarizer | undefined;
  policy?: BufferPolicy | undefined;
  /** Reply tokens kept free when measuring pressure. */
  replyReserve?: number | undefined;
  onCompaction?: ((report: CompactionReport) => void) | undefined;
}

/**
 * One agent's context window over its persistent memory: builds the prompt (system prompt with core
 * memory, the recursive summary, the in-context messages), appends new messages to recall memory,
 * warns the model under memory pressure and compacts the buffer when it fills.
 */
export class AgentMemory {
  readonly agentId: string;
  readonly #service: MemoryService;
  readonly #options: AgentMemoryOptions;
  readonly #policy: BufferPolicy;

  constructor(service: MemoryService, agentId: string, options: AgentMemoryOptions) {
    this.#service = service;
    this.agentId = agentId;
    this.#options = options;
    this.#policy = options.policy ?? DEFAULT_BUFFER_POLICY;
  }

  get service(): MemoryService {
    return this.#service;
  }

  /**
   * The messages to send for the next model call. Compacts first when the buffer is over `compactAt`,
   * and adds a memory-pressure alert when it is over `warnAt`.
   */
  async context(): Promise<ChatMessage[]> {
    let { messages, tokens } = await this.#build();
    if (this.#pressure(tokens) === 'compact') {
      await this.compact();
      ({ messages, tokens } = await this.#build());
    }
    if (this.#pressure(tokens) !== 'ok') messages.push({ role: 'user', content: MEMORY_PRESSURE_WARNING });
    return messages;
  }

  /** Persists new messages (committed before this resolves) and adds them to the context window. */
  async append(messages: readonly ChatMessage[]): Promise<void> {
    if (messages.length > 0) await this.#service.appendMessages(this.agentId, messages);
  }

  /**
   * Evicts the oldest in-context messages until the context fits `compactTo` of the window (or `targetTokens`),
   * folding them and the previous summary into a new summary. Evicted messages stay in recall memory.
   */
  async compact(targetTokens?: number): Promise<CompactionReport> {
    const agent = await this.#service.getAgent(this.agentId);
    const inContext = await this.#service.messages(agent.inContextMessageIds);
    const system = await this.#service.systemPrompt(agent);
    const tokenizer = this.#options.model.tokenizer;
    const window =
      targetTokens === undefined
        ? this.#options.model.contextWindow
        : Math.floor(targetTokens / this.#policy.compactTo);
    const summaryBudget = summaryBudgetFor(this.#options.model.contextWindow);
    const fixed =
      countChatTokens(tokenizer, [{ role: 'system', content: system }]) + this.#reserve() + summaryBudget;
    const sized = inContext.map((message) => ({
      role: message.role,
      tokens: countChatTokens(tokenizer, [toChat(message)]) - 3,
    }));
    const tokensBefore = fixed + sized.reduce((sum, message) => sum + message.tokens, 0);
    const cut = planEviction(sized, fixed, window, this.#policy);
    if (cut === 0)
      return {
        evicted: 0,
        kept: inContext.length,
        tokensBefore,
        tokensAfter: tokensBefore,
        summaryChars: agent.summary.length,
      };
    const evicted = inContext.slice(0, cut);
    const kept = inContext.slice(cut);
    const summarize = this.#options.summarizer ?? extractiveSummary;
    const drafted = await summarize({ previousSummary: agent.summary, evicted, maxTokens: summaryBudget });
    // A summary over its budget would undo the compaction; keep its first part (recall still has everything).
    const summary =
      tokenizer.count(drafted) > summaryBudget
        ? tokenizer.decode(tokenizer.encode(drafted).slice(0, summaryBudget))
        : drafted;
    await this.#service.setSummary(
      this.agentId,
      summary,
      kept.map((message) => message.id),
    );
    const report = {
      evicted: evicted.length,
      kept: kept.length,
      tokensBefore,
      tokensAfter: fixed + sized.slice(cut).reduce((sum, message) => sum + message.tokens, 0),
      summaryChars: summary.length,
    };
    this.#options.onCompaction?.(report);
    return report;
  }

  /**
   * The kernel's compaction hook: when a prompt cannot fit, compact by at least the excess and rebuild the
   * request from memory (same tools and limits).
   */
  async compactForOverflow(
    request: ChatRequest,
    overflow: ContextOverflowError,
  ): Promise<ChatRequest | undefined> {
    const excess = Number(overflow.data['excessTokens'] ?? 0);
    const before = await this.#build();
    const report = await this.compact(Math.max(0, before.tokens - excess - this.#reserve()));
    if (report.evicted === 0) return undefined;
    return { ...request, messages: await this.context() };
  }

  async #build(): Promise<{ messages: ChatMessage[]; tokens: number; agent: AgentRecord }> {
    const agent = await this.#service.getAgent(this.agentId);
    const [system, inContext] = await Promise.all([
      this.#service.systemPrompt(agent),
      this.#service.messages(agent.inContextMessageIds),
    ]);
    const messages: ChatMessage[] = [{ role: 'system', content: system }];
    if (agent.summary) {
      const total = await this.#service.recallCount(this.agentId);
      messages.push({
        role: 'user',
        content: summaryMessage(agent.summary, Math.max(0, total - inContext.length), total),
      });
    }
    messages.push(...inContext.map(toChat));
    const tokens = countChatTokens(this.#options.model.tokenizer, messages) + this.#reserve();
    return { messages, tokens, agent };
  }

  #pressure(tokens: number): Pressure {
    return pressureOf(tokens, this.#options.model.contextWindow, this.#policy);
  }

  #reserve(): number {
    return this.#options.replyReserve ?? 256;
  }
}

/** Tokens set aside for the summary: up to 600, and never more than a tenth of the window. */
function summaryBudgetFor(contextWindow: number): number {
  return Math.max(32, Math.min(600, Math.floor(contextWindow / 10)));
}

export function toChat(message: StoredMessage): ChatMessage {
  switch (message.role) {
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...(message.toolCalls ? { toolCalls: message.toolCalls } : {}),
      };
    case 'tool':
      return {
        role: 'tool',
        toolCallId: message.toolCallId ?? '',
        content: message.content,
        ...(message.name ? { name: message.name } : {}),
      };
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
  }
}

/**
 * The fallback when no summarizer model is configured: keeps the previous summary and the first line of
 * each evicted message, trimmed. Nothing is lost either way: every message stays in recall memory.
 */
export const extractiveSummary: Summarizer = async ({ previousSummary, evicted, maxTokens }) => {
  const lines = evicted
    .filter((message) => message.role !== 'tool')
    .map(
      (message) =>
        `- ${message.role} (${message.createdAt.toISOString()}): ${message.content.split('\n')[0]?.slice(0, 160) ?? ''}`,
    );
  const combined = [previousSummary.trim(), ...lines].filter(Boolean).join('\n');
  // Keep the newest part when the running summary grows long (about 4 characters a token); older detail is in recall memory.
  const maxChars = maxTokens * 3;
  return combined.length > maxChars ? combined.slice(combined.length - maxChars) : combined;
};

/** A summarizer that asks a model to fold the evicted messages into the previous summary. */
export function llmSummarizer(provider: Pick<ModelProvider, 'chat'>): Summarizer {
  return async ({ previousSummary, evicted, maxTokens }) => {
    const transcript = evicted
      .map(
        (message) =>
          `[${message.createdAt.toISOString()}] ${message.role}${message.name ? ` (${message.name})` : ''}: ${message.content}`,
      )
      .join('\n');
    const response = await provider.chat({
      messages: [
        {
          role: 'system',
          content:
            'You maintain the running summary of a conversation whose oldest messages leave the context window. ' +
            `Fold the previous summary and the evicted messages into one concise summary (at most ${Math.floor(maxTokens * 0.6)} words): goals, what happened, ` +
            'important details (keep names, numbers and identifiers verbatim), decisions, open questions. Write in the first person as the agent.',
        },
        {
          role: 'user',
          content: `Previous summary:\n${previousSummary || '(none)'}\n\nEvicted messages:\n${transcript}`,
        },
      ],
      maxTokens,
    });
    return response.message.content.trim();
  };
}
