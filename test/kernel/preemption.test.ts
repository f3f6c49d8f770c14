import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { KernelClosedError } from '../../src/errors/index.js';
import { FileSnapshotStore, Kernel, type KernelOptions } from '../../src/kernel/index.js';
import { createModelProvider, type ChatRequest, type ModelProvider } from '../../src/models/index.js';
import { SimModelServer, type SimModelOptions } from '../../src/testing/index.js';

const SIM: SimModelOptions = { seed: 7, slots: 1, defaultReplyTokens: 120, latency: { decodeMsPerToken: 2 } };
const LONG: ChatRequest = {
  messages: [{ role: 'user', content: 'Tell me a long story about hydras.' }],
  maxTokens: 200,
};
const SHORT: ChatRequest = { messages: [{ role: 'user', content: 'Quick: yes or no?' }], maxTokens: 4 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulated(
  extra: SimModelOptions = {},
): Promise<{ sim: SimModelServer; provider: ModelProvider }> {
  const sim = new SimModelServer({ ...SIM, ...extra });
  const { url } = await sim.start(0);
  cleanups.push(() => sim.stop());
  return {
    sim,
    provider: await createModelProvider(`openai-compatible:${url}#sim-model`, {
      settings: { maxRetries: 0 },
    }),
  };
}

function kernelOn(provider: ModelProvider, options: Omit<KernelOptions, 'backends'> = {}): Kernel {
  const kernel = new Kernel({
    scheduler: { policy: 'round-robin', timeSliceMs: 40 },
    ...options,
    backends: [{ provider, slots: 1 }],
  });
  cleanups.push(() => kernel.close());
  return kernel;
}

/** The text an uninterrupted generation produces, from a fresh server with the same seed. */
async function unpreemptedText(request: ChatRequest): Promise<string> {
  const { provider } = await simulated();
  return (await provider.chat(request)).message.content;
}

function nextEvent(kernel: Kernel, name: 'syscall-preempted'): Promise<void> {
  return new Promise((resolve) => {
    const off = kernel.on(name, () => {
      off();
      resolve();
    });
  });
}

describe('preemption', () => {
  it('pauses a long generation for a waiting syscall and resumes it to the same final text', async () => {
    const expected = await unpreemptedText(LONG);
    const { provider } = await simulated();
    const kernel = kernelOn(provider);
    const finishOrder: string[] = [];
    kernel.on('syscall-finished', (event) => finishOrder.push(event.syscall.agentId));
    const storyteller = await kernel.acquireAgent('storyteller');
    const asker = await kernel.acquireAgent('asker');

    const story = storyteller.chat(LONG);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const answer = asker.chat(SHORT);
    const [storyResponse] = await Promise.all([story, answer]);

    expect(storyResponse.message.content).toBe(expected);
    expect(finishOrder).toEqual(['asker', 'storyteller']);
    expect(kernel.stats().syscalls.preemptions).toBeGreaterThanOrEqual(1);
    expect(storyResponse.usage.completionTokens).toBeGreaterThanOrEqual(
      provider.tokenizer.count(expected) - 2,
    );
  });

  it('streams a preempted generation to the caller without gaps or repeats', async () => {
    const expected = await unpreemptedText(LONG);
    const { provider } = await simulated();
    const kernel = kernelOn(provider);
    const storyteller = await kernel.acquireAgent('storyteller');
    const asker = await kernel.acquireAgent('asker');
    let streamed = '';
    const reading = (async () => {
      for await (const event of storyteller.stream(LONG))
        if (event.type === 'text-delta') streamed += event.text;
    })();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await asker.chat(SHORT);
    await reading;
    expect(streamed).toBe(expected);
  });

  it('gives the server time to free a cut-off slot, so a rejecting server never answers 429', async () => {
    const { sim, provider } = await simulated({ overflow: 'reject' });
    const kernel = kernelOn(provider);
    const agents = await Promise.all(['a', 'b', 'c', 'd'].map((id) => kernel.acquireAgent(id)));
    await Promise.all(agents.map((agent, index) => agent.chat(index % 2 ? SHORT : LONG)));
    expect(kernel.stats().syscalls.preemptions).toBeGreaterThanOrEqual(1);
    expect(sim.stats().rejected).toBe(0);
    expect(kernel.stats().syscalls.retries).toBe(0);
  });

  it('does not preempt when nobody is waiting', async () => {
    const { provider } = await simulated();
    const kernel = kernelOn(provider);
    const agent = await kernel.acquireAgent('alone');
    await agent.chat(LONG);
    expect(kernel.stats().syscalls.preemptions).toBe(0);
  });

  it('keeps the snapshot in the store across a restart and resumes from it', async () => {
    const expected = await unpreemptedText(LONG);
    const directory = await mkdtemp(join(tmpdir(), 'hydra-snapshots-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const { sim, provider } = await simulated();

    const first = kernelOn(provider, { snapshots: new FileSnapshotStore(directory) });
    const storyteller = await first.acquireAgent('storyteller');
    const asker = await first.acquireAgent('asker');
    const paused = nextEvent(first, 'syscall-preempted');
    const story = storyteller.chat(LONG, { id: 'run-1/step-4' }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const answer = asker.chat(SHORT).catch((error: unknown) => error);
    await paused;
    await first.close(); // the process "dies" while the story is paused
    expect(await story).toBeInstanceOf(KernelClosedError);
    await answer;

    const saved = await new FileSnapshotStore(directory).load('run-1/step-4');
    expect(saved?.partialText.length).toBeGreaterThan(0);
    expect(expected.startsWith(saved?.partialText ?? '\u0000')).toBe(true);

    const second = kernelOn(provider, { snapshots: new FileSnapshotStore(directory) });
    const before = sim.stats().completionTokens;
    const resumed = await (await second.acquireAgent('storyteller')).chat(LONG, { id: 'run-1/step-4' });
    expect(resumed.message.content).toBe(expected);
    // Only the continuation was generated after the restart.
    expect(sim.stats().completionTokens - before).toBeLessThan(provider.tokenizer.count(expected));
    expect(await second.pendingSnapshots()).toEqual([]);
  });
});
