/**
 * The seeded workload every arm runs, and the program loop that runs it.
 *
 * N agents, all created at t=0 (closed loop, as in AIOS's evaluation). About 90% are ReAct-style programs:
 * a system prompt and task (~150 tokens), then K turns (K geometric, mean 6, max 15); each turn is one LLM
 * call (max_tokens 512) and, except after the last (the final answer), a simulated tool call: an async wait
 * (log-normal, median 20 ms) whose observation is appended with the assistant's output, so the context grows.
 * Observations are 100-400 tokens, except that one in ten is document-sized (1,500-3,000 tokens, a fetched
 * page or file): with 100-400 alone no program could reach the 8k window within 15 turns, and the overflow
 * path is part of what is measured. About 10% are short interactive agents (1-2 turns, max_tokens 32, short
 * prompts, priority 10) that start at seeded offsets during the run.
 *
 * Output lengths are drawn by the simulator (`replyTokens`, log-normal, a pure function of the seed and the
 * conversation), so every arm sees the same lengths for the same conversation.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { createTokenizer, type ChatMessage } from '../../src/models/index.js';

export interface WorkloadOptions {
  n: number;
  seed: number;
  /** Per-token latencies and slots of the simulator, to place the short agents' start times. */
  prefillMsPerToken: number;
  decodeMsPerToken: number;
  slots: number;
  /** Mean of the simulator's reply length, capped by max_tokens, for the same estimate. */
  meanReplyTokens: number;
}

export interface AgentSpec {
  id: string;
  kind: 'long' | 'short';
  /** Offset from the run's start at which the agent starts (0 for long programs). */
  startMs: number;
  priority: number;
  maxTokens: number;
  system: ChatMessage;
  task: ChatMessage;
  /** One entry per LLM call; the observation follows the call (undefined after the final answer). */
  turns: Array<{ toolMs: number; observation: ChatMessage | undefined }>;
}

export interface Workload {
  agents: AgentSpec[];
  steps: number;
  /** Estimated ideal makespan (work / slots, or the longest program), used to spread the short agents. */
  estimateMs: number;
}

/** mulberry32 seeded from a string: small, fast, and the same on every run. */
export function seededRandom(...parts: Array<string | number>): () => number {
  let state = 2166136261;
  for (const char of parts.join('/')) state = Math.imul(state ^ char.charCodeAt(0), 16777619) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const Z_99 = 2.3263478740408408;

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function lognormal(random: () => number, median: number, p99: number): number {
  return median * Math.exp((Math.log(p99 / median) / Z_99) * normal(random));
}

function geometric(random: () => number, mean: number, max: number): number {
  const p = 1 / mean;
  return Math.min(max, 1 + Math.floor(Math.log(1 - random()) / Math.log(1 - p)));
}

function between(random: () => number, low: number, high: number): number {
  return Math.round(low + random() * (high - low));
}

const WORDS = (
  'the system agent model task result plan data value state step tool answer query report file team ' +
  'work time user request response check update review build test run change note list item order ' +
  'record event signal source output input memory context window token next first final simple clear'
).split(' ');

/** Seeded filler of about `words` tokens (each word is one token after a space), in sentences. */
function filler(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    const word = WORDS[Math.floor(random() * WORDS.length)] ?? 'the';
    out.push(i % 11 === 10 ? `${word}.` : word);
  }
  return out.join(' ');
}

/** Mean of min(lognormal(median, p99), cap), by numeric integration over the normal quantiles. */
export function cappedLognormalMean(median: number, p99: number, cap: number): number {
  const sigma = Math.log(p99 / median) / Z_99;
  let sum = 0;
  let weight = 0;
  for (let z = -5; z <= 5; z += 0.01) {
    const density = Math.exp((-z * z) / 2);
    sum += density * Math.min(cap, median * Math.exp(sigma * z));
    weight += density;
  }
  return sum / weight;
}

export function buildWorkload(options: WorkloadOptions): Workload {
  const { n, seed } = options;
  const agents: AgentSpec[] = [];
  const shortCount = Math.max(1, Math.round(n / 10));
  let work = 0;
  let longest = 0;
  for (let index = 0; index < n - shortCount; index++) {
    const random = seededRandom('long', seed, index);
    const system: ChatMessage = {
      role: 'system',
      content: `You are agent ${index}, a ReAct agent. Think, then act with one tool per step. ${filler(random, 60)}`,
    };
    const task: ChatMessage = {
      role: 'user',
      content: `Task ${index}: ${filler(random, between(random, 60, 100))}`,
    };
    const k = geometric(random, 6, 15);
    const turns: AgentSpec['turns'] = [];
    let context = 150;
    let path = 0;
    for (let turn = 0; turn < k; turn++) {
      const last = turn === k - 1;
      const size = random() < 0.1 ? between(random, 1500, 3000) : between(random, 100, 400);
      const toolMs = last ? 0 : Math.min(1000, lognormal(random, 20, 200));
      const observation: ChatMessage | undefined = last
        ? undefined
        : { role: 'user', content: `Observation ${turn + 1}: ${filler(random, size)}` };
      const service =
        context * options.prefillMsPerToken + options.meanReplyTokens * options.decodeMsPerToken;
      work += service;
      path += service + toolMs;
      context = Math.min(7680, context + size + options.meanReplyTokens);
      turns.push({ toolMs, observation });
    }
    longest = Math.max(longest, path);
    agents.push({
      id: `long-${index}`,
      kind: 'long',
      startMs: 0,
      priority: 0,
      maxTokens: 512,
      system,
      task,
      turns,
    });
  }
  const estimateMs = Math.max(work / options.slots, longest);
  for (let index = 0; index < shortCount; index++) {
    const random = seededRandom('short', seed, index);
    const k = 1 + Math.floor(random() * 2);
    const turns: AgentSpec['turns'] = [];
    for (let turn = 0; turn < k; turn++) {
      const last = turn === k - 1;
      const observation: ChatMessage | undefined = last
        ? undefined
        : { role: 'user', content: `Result: ${filler(random, between(random, 20, 60))}` };
      turns.push({ toolMs: last ? 0 : Math.min(1000, lognormal(random, 20, 200)), observation });
    }
    agents.push({
      id: `short-${index}`,
      kind: 'short',
      startMs: Math.round(random() * 0.8 * estimateMs),
      priority: 10,
      maxTokens: 32,
      system: { role: 'system', content: 'You are a terse assistant. Answer in one line.' },
      task: { role: 'user', content: `Quick question ${index}: ${filler(random, between(random, 10, 40))}?` },
      turns,
    });
  }
  const steps = agents.reduce((sum, agent) => sum + agent.turns.length, 0);
  return { agents, steps, estimateMs };
}

/** An agent's growing conversation. Truncation drops the oldest turn pair after the task. */
export class Transcript {
  readonly messages: ChatMessage[];
  constructor(system: ChatMessage, task: ChatMessage) {
    this.messages = [system, task];
  }
  append(message: ChatMessage): void {
    this.messages.push(message);
  }
  /** Drops the oldest (assistant, observation) pair after the task; false when there is none. */
  dropOldestTurn(): boolean {
    if (this.messages.length < 4) return false;
    this.messages.splice(2, 2);
    return true;
  }
}

/** Prompt tokens as the simulator counts them (Hydra's framing), each message counted once. */
export class PromptMeter {
  private readonly tokenizer = createTokenizer('o200k_base', false);
  private readonly counts = new WeakMap<ChatMessage, number>();
  message(message: ChatMessage): number {
    let count = this.counts.get(message);
    if (count === undefined) {
      count = 3 + this.tokenizer.count(message.role) + this.tokenizer.count(message.content);
      this.counts.set(message, count);
    }
    return count;
  }
  prompt(messages: readonly ChatMessage[]): number {
    return messages.reduce((sum, message) => sum + this.message(message), 3);
  }
}

/** What every arm records while it runs; the Hydra arm fills the request counters from its provider. */
export interface RunCounters {
  steps: number;
  truncations: number;
  failedPrograms: number;
  /** Requests the harness or kernel sent, and their failures by kind. */
  requests: number;
  rateLimited: number;
  contextErrors: number;
  otherErrors: number;
  aborted: number;
  /** Prompt tokens of requests that failed (the server did not generate for them). */
  wastedPromptTokens: number;
  /** Completion tokens of the responses the programs used. */
  keptCompletionTokens: number;
}

export function newCounters(): RunCounters {
  return {
    steps: 0,
    truncations: 0,
    failedPrograms: 0,
    requests: 0,
    rateLimited: 0,
    contextErrors: 0,
    otherErrors: 0,
    aborted: 0,
    wastedPromptTokens: 0,
    keptCompletionTokens: 0,
  };
}

/** One agent as an arm runs it. `step` handles retries and context errors the arm's way. */
export interface AgentSession {
  step(transcript: Transcript, maxTokens: number): Promise<string>;
  release(): void;
}

export interface Arm {
  readonly name: string;
  open(agent: AgentSpec): Promise<AgentSession>;
  /** Called once every program finished: releases the arm's resources, returns its own figures. */
  finish(): Promise<Record<string, number>>;
}

export interface ProgramResult {
  kind: AgentSpec['kind'];
  latencyMs: number;
  ok: boolean;
  error?: string;
}

/** Runs one agent's program on an arm; never throws (a failure is recorded in the result). */
export async function runProgram(
  spec: AgentSpec,
  arm: Arm,
  counters: RunCounters,
  startedAt: number,
): Promise<ProgramResult> {
  const wait = startedAt + spec.startMs - performance.now();
  if (wait > 0) await sleep(wait);
  const begin = performance.now();
  const transcript = new Transcript(spec.system, spec.task);
  let session: AgentSession | undefined;
  try {
    session = await arm.open(spec);
    for (const turn of spec.turns) {
      const content = await session.step(transcript, spec.maxTokens);
      counters.steps += 1;
      if (turn.observation === undefined) break;
      transcript.append({ role: 'assistant', content });
      if (turn.toolMs > 0) await sleep(turn.toolMs);
      transcript.append(turn.observation);
    }
    return { kind: spec.kind, latencyMs: performance.now() - begin, ok: true };
  } catch (error) {
    counters.failedPrograms += 1;
    const message = error instanceof Error ? error.message : String(error);
    return { kind: spec.kind, latencyMs: performance.now() - begin, ok: false, error: message };
  } finally {
    session?.release();
  }
}
