/**
 * Compaction: one agent appends `count` messages through AgentMemory with a small context window (the
 * simulated model's, through its provider), calling `context()` before every model call exactly as
 * runAgent does (after the user message, and after each round of tool results). Turns mix plain answers
 * with assistant tool calls and their results. The default extractive summarizer is used (no model call).
 *
 * Checked, not assumed: every appended message is in recall memory (count, and each one read back by id
 * with the same role and content, in order); no context starts with a tool result; no tool result in a
 * context lacks its call; the in-context messages are always a gap-free run ending at the newest.
 */
import type { ChatMessage, ModelProvider } from '../../src/models/index.js';
import {
  AgentMemory,
  MemoryService,
  type CompactionReport,
  type StoredMessage,
} from '../../src/memory/index.js';
import { ConversationGenerator, type BenchMessage } from './corpus.js';
import type { BenchStore } from './stores.js';
import { latency, progress, round, type Latency } from './timing.js';

const MARKER = /^\[c(\d+)\]/;

export interface CompactionResult {
  checks: Record<string, string | number>;
  row: Record<string, string | number>;
  lost: number;
  contextLatency: Latency;
  compactingContextLatency: Latency;
  compactions: number;
  seconds: number;
  toolFirst: number;
  orphanToolResults: number;
  gaps: number;
}

/** Problems in one context: starts with a tool result, tool results without their call, gaps. */
function inspect(
  messages: readonly ChatMessage[],
  newest: number,
): { toolFirst: boolean; orphans: number; gap: boolean } {
  // [system prompt, (summary note), ...in-context messages, (memory-pressure warning)]
  const body = messages.slice(1).filter((message) => MARKER.test(message.content));
  const first = body[0];
  const calls = new Set<string>();
  let orphans = 0;
  for (const message of body) {
    if (message.role === 'assistant') for (const call of message.toolCalls ?? []) calls.add(call.id);
    if (message.role === 'tool' && !calls.has(message.toolCallId)) orphans++;
  }
  const serials = body.map((message) => Number(MARKER.exec(message.content)?.[1]));
  const contiguous = serials.every(
    (serial, index) => index === 0 || serial === (serials[index - 1] ?? 0) + 1,
  );
  return {
    toolFirst: first?.role === 'tool',
    orphans,
    gap: !contiguous || serials.at(-1) !== newest,
  };
}

export async function runCompaction(
  bench: BenchStore,
  provider: ModelProvider,
  count: number,
): Promise<CompactionResult> {
  const opened = await bench.open();
  const { store } = opened;
  try {
    const memory = await MemoryService.open(store);
    const agent = await memory.createAgent({ name: 'compactor' });
    const reports: CompactionReport[] = [];
    const agentMemory = new AgentMemory(memory, agent.id, {
      model: provider,
      onCompaction: (report) => reports.push(report),
    });
    const generator = new ConversationGenerator(31);
    const appended: BenchMessage[] = [];
    let serial = 0;
    const label = (): string => `[c${++serial}]`;
    const contextTimes: number[] = [];
    const compactingTimes: number[] = [];
    let toolFirst = 0;
    let orphanToolResults = 0;
    let gaps = 0;
    let contexts = 0;
    let appendMs = 0;
    let nextReport = 2_000;

    const append = async (messages: BenchMessage[]): Promise<void> => {
      const started = performance.now();
      await agentMemory.append(messages);
      appendMs += performance.now() - started;
      appended.push(...messages);
    };
    const context = async (): Promise<void> => {
      const before = reports.length;
      const started = performance.now();
      const messages = await agentMemory.context();
      const elapsed = performance.now() - started;
      (reports.length > before ? compactingTimes : contextTimes).push(elapsed);
      contexts++;
      const found = inspect(messages, appended.length);
      if (found.toolFirst) toolFirst++;
      orphanToolResults += found.orphans;
      if (found.gap) gaps++;
    };

    progress(`${bench.name}: compaction, ${count} messages, window ${provider.contextWindow} tokens`);
    const started = performance.now();
    while (appended.length < count) {
      // One turn as runAgent runs it: user message, context, reply; after tool calls: results, context, reply.
      const turn = generator.turn(label);
      const [user, ...rest] = turn;
      await append([user as BenchMessage]);
      await context();
      const call = rest[0];
      if (call?.role === 'assistant' && call.toolCalls) {
        const results = rest.filter((message) => message.role === 'tool');
        await append([call]);
        await append(results);
        await context();
        await append(rest.slice(1 + results.length));
      } else {
        await append(rest);
      }
      if (appended.length >= nextReport) {
        nextReport += 2_000;
        progress(`${bench.name}: ${appended.length}/${count} messages, ${reports.length} compactions`);
      }
    }
    const seconds = (performance.now() - started) / 1000;

    // ---- verify: every appended message is in recall memory, by count and by id
    progress(`${bench.name}: verifying ${appended.length} messages`);
    const recallCount = await memory.recallCount(agent.id);
    const stored: StoredMessage[] = [];
    for (let offset = 0; ; offset += 1_000) {
      const page = await memory.listMessages(agent.id, { offset, limit: 1_000 });
      stored.push(...page);
      if (page.length < 1_000) break;
    }
    const byId = new Map<string, StoredMessage>();
    for (let index = 0; index < stored.length; index += 1_000) {
      const ids = stored.slice(index, index + 1_000).map((message) => message.id);
      for (const message of await memory.messages(ids)) byId.set(message.id, message);
    }
    // Each appended message (unique by its marker) must come back by id with the same role and content.
    const idByMarker = new Map(stored.map((message) => [MARKER.exec(message.content)?.[0], message.id]));
    let retrievable = 0;
    let outOfOrder = 0;
    appended.forEach((message, index) => {
      const id = idByMarker.get(MARKER.exec(message.content)?.[0]);
      const back = id ? byId.get(id) : undefined;
      if (back && back.role === message.role && back.content === message.content) retrievable++;
      if (stored[index]?.content !== message.content) outOfOrder++;
    });
    const lost = appended.length - retrievable;
    const countMismatch = recallCount - appended.length;
    const finalAgent = await memory.getAgent(agent.id);

    const contextLatency = latency(contextTimes);
    const compactingContextLatency = latency(compactingTimes);
    const evicted = reports.reduce((sum, report) => sum + report.evicted, 0);
    return {
      lost,
      contextLatency,
      compactingContextLatency,
      compactions: reports.length,
      seconds,
      toolFirst,
      orphanToolResults,
      gaps,
      checks: {
        store: bench.name,
        appended: appended.length,
        'recall count': recallCount,
        'lost (computed)': lost,
        'count diff': countMismatch,
        'out of order': outOfOrder,
        'tool-first contexts': toolFirst,
        'orphan tool results': orphanToolResults,
        'contexts with gaps': gaps,
      },
      row: {
        store: bench.name,
        'context() calls': contexts,
        compactions: reports.length,
        'evicted/compaction': round(evicted / Math.max(1, reports.length), 1),
        'in context at end': finalAgent.inContextMessageIds.length,
        'total s': round(seconds, 1),
        'append ms/msg': round(appendMs / appended.length),
        'context() p50 ms': round(contextLatency.p50),
        'context() p99 ms': round(contextLatency.p99),
        'compacting context() p50 ms': round(compactingContextLatency.p50),
        'compacting context() p99 ms': round(compactingContextLatency.p99),
      },
    };
  } finally {
    await opened.dispose();
  }
}
