import { describe, expect, it } from 'vitest';

import {
  ContextLengthExceededError,
  ContextOverflowError,
  EscalationError,
  RateLimitError,
} from '../../src/errors/index.js';
import { Kernel, type KernelEventMap } from '../../src/kernel/index.js';
import { createModelProvider, type ChatRequest } from '../../src/models/index.js';
import { useKernelRig } from './harness.js';

const start = useKernelRig();
const ask = (content: string, maxTokens = 32): ChatRequest => ({
  messages: [{ role: 'user', content }],
  maxTokens,
});

describe('kernel llm syscalls', () => {
  it('never sends more concurrent generations than the backend has slots', async () => {
    const { sim, kernel } = await start(
      { slots: 2, overflow: 'reject', latency: { decodeMsPerToken: 1 } },
      { slots: 2 },
    );
    const answers = await Promise.all(
      Array.from({ length: 12 }, async (_, index) => {
        const agent = await kernel.acquireAgent(`agent-${index}`);
        const response = await agent.chat(ask(`question ${index}`));
        agent.release();
        return response;
      }),
    );
    expect(answers).toHaveLength(12);
    expect(sim.stats().maxConcurrent).toBe(2);
    expect(sim.stats().rejected).toBe(0);
    expect(kernel.stats().syscalls).toMatchObject({ submitted: 12, done: 12, failed: 0 });
  });

  it('emits queued, started and finished for every syscall, with times in order', async () => {
    const { kernel } = await start();
    const events: string[] = [];
    const finished: Array<KernelEventMap['syscall-finished']> = [];
    kernel.on('syscall-queued', () => events.push('queued'));
    kernel.on('syscall-started', () => events.push('started'));
    kernel.on('syscall-finished', (event) => {
      events.push('finished');
      finished.push(event);
    });
    const agent = await kernel.acquireAgent('solo', { priority: 3 });
    await agent.chat(ask('hi'));
    expect(events).toEqual(['queued', 'started', 'finished']);
    const info = finished[0]?.syscall;
    expect(info).toMatchObject({
      type: 'llm',
      operation: 'chat',
      agentId: 'solo',
      priority: 3,
      status: 'done',
      attempts: 1,
    });
    expect(info?.startedAt).toBeGreaterThanOrEqual(info?.createdAt ?? Infinity);
    expect(info?.finishedAt).toBeGreaterThanOrEqual(info?.startedAt ?? Infinity);
  });

  it('refuses a prompt that cannot fit the window without sending it', async () => {
    const { sim, kernel } = await start({ contextWindow: 128 });
    const agent = await kernel.acquireAgent('wordy');
    const error = await agent.chat(ask('word '.repeat(200), 16)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect((error as ContextOverflowError).data).toMatchObject({ contextWindow: 128 });
    expect((error as ContextOverflowError).data['excessTokens']).toBeGreaterThan(0);
    expect(sim.stats().requests.byEndpoint.chatCompletions).toBe(0);
    expect(kernel.stats().syscalls.contextOverflows).toBe(1);
  });

  it('counts max_tokens against the window', async () => {
    const { sim, kernel } = await start({ contextWindow: 128 });
    const agent = await kernel.acquireAgent('greedy');
    await expect(agent.chat(ask('short', 200))).rejects.toBeInstanceOf(ContextOverflowError);
    expect(sim.stats().requests.byEndpoint.chatCompletions).toBe(0);
  });

  it("hands an overflowing prompt to the agent's compactor and sends the compacted one", async () => {
    const { sim, kernel } = await start({
      contextWindow: 256,
      rules: [{ reply: { text: 'compact enough' } }],
    });
    const seen: number[] = [];
    const agent = await kernel.acquireAgent('memorious', {
      compact: async (request, overflow) => {
        seen.push(overflow.data['excessTokens'] as number);
        return { ...request, messages: request.messages.slice(-1) };
      },
    });
    const response = await agent.chat({
      messages: [
        { role: 'user', content: 'old '.repeat(300) },
        { role: 'user', content: 'what now?' },
      ],
      maxTokens: 16,
    });
    expect(response.message.content).toBe('compact enough');
    expect(seen).toHaveLength(1);
    expect(sim.stats().responses['400']).toBeUndefined();
  });

  it('retries a 429 with backoff honouring Retry-After, then succeeds', async () => {
    const { kernel } = await start({
      retryAfterSeconds: 0.05,
      rules: [{ reply: { fault: '429' }, times: 2 }, { reply: { text: 'finally' } }],
    });
    const retries: Array<KernelEventMap['syscall-retry']> = [];
    kernel.on('syscall-retry', (event) => retries.push(event));
    const agent = await kernel.acquireAgent('patient');
    const response = await agent.chat(ask('hello'));
    expect(response.message.content).toBe('finally');
    expect(retries.map((event) => event.error)).toEqual([
      expect.any(RateLimitError),
      expect.any(RateLimitError),
    ]);
    for (const retry of retries) expect(retry.delayMs).toBeGreaterThanOrEqual(50);
    expect(kernel.stats().syscalls.retries).toBe(2);
  });

  it('escalates after 3 failed attempts with a typed error and an escalation event', async () => {
    const { sim, kernel } = await start(
      { rules: [{ reply: { fault: '500' } }] },
      { retry: { baseDelayMs: 1, maxDelayMs: 5 } },
    );
    const escalations: Array<KernelEventMap['escalation']> = [];
    kernel.on('escalation', (event) => escalations.push(event));
    const agent = await kernel.acquireAgent('unlucky');
    const error = await agent.chat(ask('hello')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EscalationError);
    expect(error).toMatchObject({ code: 'escalated', attempts: 3, fault: 'provider' });
    expect((error as EscalationError).cause).toMatchObject({ code: 'provider_unavailable' });
    expect(escalations).toHaveLength(1);
    expect(sim.stats().requests.byEndpoint.chatCompletions).toBe(3);
  });

  it('does not retry errors that are not transient', async () => {
    const { sim } = await start({ contextWindow: 64 });
    // A kernel that believes the window is larger than it is: the server's refusal is final, not retried.
    const optimistic = new Kernel({
      backends: [
        {
          provider: await createModelProvider(`openai-compatible:${sim.baseUrl}#sim-model`, {
            settings: { maxRetries: 0 },
            contextWindow: 100_000,
          }),
          slots: 1,
        },
      ],
    });
    const agent = await optimistic.acquireAgent('strict');
    await expect(agent.chat(ask('word '.repeat(100)))).rejects.toBeInstanceOf(ContextLengthExceededError);
    expect(sim.stats().requests.byEndpoint.chatCompletions).toBe(1);
    await optimistic.close();
  });

  it('streams through the kernel and ends with the assembled response', async () => {
    const { kernel } = await start({ rules: [{ reply: { text: 'one two three four' } }] });
    const agent = await kernel.acquireAgent('streamer');
    const deltas: string[] = [];
    let final = '';
    for await (const event of agent.stream(ask('count'))) {
      if (event.type === 'text-delta') deltas.push(event.text);
      if (event.type === 'finish') final = event.response.message.content;
    }
    expect(deltas.join('')).toBe('one two three four');
    expect(final).toBe('one two three four');
  });

  it('accounts tokens per agent', async () => {
    const { kernel } = await start({ rules: [{ reply: { text: 'fine thanks' } }] });
    const agent = await kernel.acquireAgent('counted');
    const response = await agent.chat(ask('how are you'));
    expect(kernel.stats().tokens.byAgent['counted']).toEqual({
      in: response.usage.promptTokens,
      out: response.usage.completionTokens,
    });
  });
});
