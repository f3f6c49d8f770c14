/**
 * The "without AIOS" baseline: every agent calls the endpoint itself through the official OpenAI SDK
 * (`maxRetries: 0`, so the retry policy below is the only one), like a framework calling its model directly.
 *
 * The naive client, shared with the AIOS-FIFO arm:
 *  - 429 and 5xx (and connection errors): exponential backoff 0.5 s doubling to 8 s, jittered the way the
 *    OpenAI SDK jitters (x 0.75-1.0), never sooner than the server's Retry-After; unlimited attempts. The
 *    backoff restarts for each LLM call.
 *  - 400 context_length_exceeded: drop the oldest turn pair after the task and resend.
 */
import OpenAI, { APIError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ChatMessage } from '../../../src/models/index.js';
import {
  seededRandom,
  type AgentSession,
  type Arm,
  type PromptMeter,
  type RunCounters,
  type Transcript,
} from '../workload.js';

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 8000;

export interface NaiveContext {
  client: OpenAI;
  counters: RunCounters;
  meter: PromptMeter;
  /** Jitter source (seeded per agent). */
  random: () => number;
}

function wire(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((message): ChatCompletionMessageParam => {
    if (message.role === 'system') return { role: 'system', content: message.content };
    if (message.role === 'assistant') return { role: 'assistant', content: message.content };
    return { role: 'user', content: message.content };
  });
}

/** Retry-After from the 429, in ms (`retry-after-ms` first, as the OpenAI SDK reads it). */
function retryAfterMs(error: APIError): number {
  const headers = error.headers;
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const seconds = Number(headers?.get('retry-after') ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 0;
}

/** One LLM step with the naive policy; mutates the transcript when it truncates. */
export async function naiveChat(
  context: NaiveContext,
  transcript: Transcript,
  maxTokens: number,
): Promise<string> {
  const { client, counters, meter } = context;
  let attempt = 0;
  for (;;) {
    counters.requests += 1;
    try {
      const response = await client.chat.completions.create({
        model: 'sim-model',
        messages: wire(transcript.messages),
        max_tokens: maxTokens,
      });
      counters.keptCompletionTokens += response.usage?.completion_tokens ?? 0;
      return response.choices[0]?.message.content ?? '';
    } catch (error) {
      if (!(error instanceof APIError)) throw error;
      counters.wastedPromptTokens += meter.prompt(transcript.messages);
      if (error.status === 400 && error.code === 'context_length_exceeded') {
        counters.contextErrors += 1;
        if (!transcript.dropOldestTurn()) throw error;
        counters.truncations += 1;
        continue;
      }
      const status = error.status;
      const retryable = status === undefined || status === 429 || status >= 500;
      if (!retryable) {
        counters.otherErrors += 1;
        throw error;
      }
      if (status === 429) counters.rateLimited += 1;
      else counters.otherErrors += 1;
      const backoff =
        Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** attempt) * (1 - 0.25 * context.random());
      attempt += 1;
      await sleep(Math.max(backoff, retryAfterMs(error)));
    }
  }
}

export function directArm(url: string, counters: RunCounters, meter: PromptMeter, seed: number): Arm {
  return {
    name: 'direct',
    open: (agent) => {
      // Each agent owns its client, as a framework instance would.
      const context: NaiveContext = {
        client: new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 }),
        counters,
        meter,
        random: seededRandom('jitter', seed, agent.id),
      };
      const session: AgentSession = {
        step: (transcript, maxTokens) => naiveChat(context, transcript, maxTokens),
        release: () => undefined,
      };
      return Promise.resolve(session);
    },
    finish: () => Promise.resolve({}),
  };
}
