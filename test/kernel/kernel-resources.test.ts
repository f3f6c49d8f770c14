import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { KernelBusyError, KernelClosedError, NoEligibleNodeError } from '../../src/errors/index.js';
import { InProcessNodeRegistry, Kernel } from '../../src/kernel/index.js';
import { defineTool } from '../../src/tools/index.js';
import { useKernelRig } from './harness.js';

const start = useKernelRig();
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `calls` tool syscalls with the given limit and reports the largest overlap seen. */
async function overlapOf(
  kernel: Kernel,
  tool: string,
  concurrency: number | 'unlimited',
  calls: number,
): Promise<{ max: number; done: number }> {
  let running = 0;
  let max = 0;
  const agent = await kernel.acquireAgent(`user-of-${tool}`);
  const results = await Promise.all(
    Array.from({ length: calls }, (_, index) =>
      agent.tool(
        tool,
        async () => {
          running++;
          max = Math.max(max, running);
          await pause(5);
          running--;
          return index;
        },
        { concurrency },
      ),
    ),
  );
  agent.release();
  expect(results).toEqual(Array.from({ length: calls }, (_, index) => index));
  return { max, done: results.length };
}

describe('tool syscalls', () => {
  it('runs an exclusive tool one call at a time and completes every call', async () => {
    const kernel = new Kernel();
    expect(await overlapOf(kernel, 'git_push', 1, 8)).toEqual({ max: 1, done: 8 });
    await kernel.close();
  });

  it('runs up to N calls of a tool limited to N', async () => {
    const kernel = new Kernel();
    expect(await overlapOf(kernel, 'browser', 3, 12)).toEqual({ max: 3, done: 12 });
    await kernel.close();
  });

  it('runs an unlimited tool all at once', async () => {
    const kernel = new Kernel();
    expect(await overlapOf(kernel, 'clock', 'unlimited', 10)).toEqual({ max: 10, done: 10 });
    await kernel.close();
  });

  it('lets other tools run while an exclusive tool is busy', async () => {
    const kernel = new Kernel();
    const agent = await kernel.acquireAgent('multi');
    const order: string[] = [];
    await Promise.all([
      agent.tool(
        'slow_exclusive',
        async () => {
          await pause(30);
          order.push('slow-1');
        },
        { concurrency: 1 },
      ),
      agent.tool('slow_exclusive', async () => order.push('slow-2'), { concurrency: 1 }),
      agent.tool('fast', async () => order.push('fast')),
    ]);
    expect(order).toEqual(['fast', 'slow-1', 'slow-2']);
    await kernel.close();
  });

  it('runs function tools with their declared concurrency and returns tool errors as outcomes', async () => {
    const kernel = new Kernel();
    const exclusive = defineTool({
      name: 'deploy',
      description: 'deploys',
      parameters: z.object({ env: z.enum(['staging', 'prod']) }),
      concurrency: 1,
      execute: ({ env }) => `deployed to ${env}`,
    });
    const agent = await kernel.acquireAgent('ops');
    expect(await agent.callTool(exclusive, { env: 'staging' })).toEqual({
      ok: true,
      content: 'deployed to staging',
    });
    expect((await agent.callTool(exclusive, { env: 'moon' })).ok).toBe(false);
    await kernel.close();
  });
});

describe('memory and storage syscalls', () => {
  it('run through their pools with the configured concurrency', async () => {
    const kernel = new Kernel({ memoryConcurrency: 2 });
    const agent = await kernel.acquireAgent('rememberer');
    let running = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        agent.memory('archival_insert', async () => {
          running++;
          max = Math.max(max, running);
          await pause(5);
          running--;
        }),
      ),
    );
    expect(max).toBe(2);
    expect(await agent.storage('write', async () => 'ok')).toBe('ok');
    expect(kernel.stats().turnaround.memory.count).toBe(6);
    await kernel.close();
  });
});

describe('limits', () => {
  it('admits at most maxConcurrentAgents and lets the next in when one leaves', async () => {
    const kernel = new Kernel({ maxConcurrentAgents: 2 });
    const first = await kernel.acquireAgent('a');
    await kernel.acquireAgent('b');
    let thirdIn = false;
    const third = kernel.acquireAgent('c').then((handle) => {
      thirdIn = true;
      return handle;
    });
    await pause(10);
    expect(thirdIn).toBe(false);
    expect(kernel.stats().agents).toEqual({ active: 2, waiting: 1, max: 2 });
    first.release();
    expect((await third).id).toBe('c');
    await kernel.close();
  });

  it('refuses syscalls beyond the queue depth when backpressure is "reject"', async () => {
    const kernel = new Kernel({ maxQueuedSyscalls: 2, backpressure: 'reject' });
    const agent = await kernel.acquireAgent('flood');
    const gate = new Promise<void>((resolve) => setTimeout(resolve, 30));
    const running = agent.tool('one_at_a_time', () => gate, { concurrency: 1 });
    const queued = [agent.tool('one_at_a_time', () => gate), agent.tool('one_at_a_time', () => gate)];
    await pause(1);
    await expect(agent.tool('one_at_a_time', () => gate)).rejects.toBeInstanceOf(KernelBusyError);
    await Promise.all([running, ...queued]);
    await kernel.close();
  });

  it('holds submitters back (without losing their calls) when backpressure is "wait"', async () => {
    const kernel = new Kernel({ maxQueuedSyscalls: 1 });
    const agent = await kernel.acquireAgent('flood');
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, index) => agent.tool('narrow', async () => index, { concurrency: 1 })),
    );
    expect(results).toEqual([0, 1, 2, 3, 4]);
    await kernel.close();
  });
});

describe('close', () => {
  it('fails queued syscalls with KernelClosedError and refuses new ones', async () => {
    const kernel = new Kernel();
    const agent = await kernel.acquireAgent('late');
    const running = agent.tool('busy', () => pause(20), { concurrency: 1 });
    const queued = agent.tool('busy', () => pause(20)).catch((error: unknown) => error);
    await pause(1);
    await kernel.close();
    expect(await queued).toBeInstanceOf(KernelClosedError);
    await running.catch(() => undefined);
    await expect(kernel.acquireAgent('after')).rejects.toBeInstanceOf(KernelClosedError);
  });
});

describe('placement', () => {
  it('sends llm syscalls to a backend on a node that meets the requirements', async () => {
    const small = await start({ model: 'small' });
    const big = await start({ model: 'big' });
    const nodes = new InProcessNodeRegistry();
    nodes.register({ id: 'laptop', capabilities: { gpuMemoryGb: 8 } });
    nodes.register({ id: 'gpu-box', capabilities: { gpuMemoryGb: 80 } });
    const kernel = new Kernel({
      nodes,
      backends: [
        { provider: small.provider, slots: 4, nodeId: 'laptop' },
        { provider: big.provider, slots: 4, nodeId: 'gpu-box' },
      ],
    });
    const agent = await kernel.acquireAgent('placed');
    const response = await agent.chat(
      { messages: [{ role: 'user', content: 'hi' }] },
      { requirements: { minGpuMemoryGb: 40 } },
    );
    expect(response.model).toBe('big');
    expect(big.sim.stats().requests.byEndpoint.chatCompletions).toBe(1);
    expect(small.sim.stats().requests.byEndpoint.chatCompletions).toBe(0);
    await expect(
      agent.chat({ messages: [{ role: 'user', content: 'hi' }] }, { requirements: { minGpuMemoryGb: 200 } }),
    ).rejects.toBeInstanceOf(NoEligibleNodeError);
    await kernel.close();
  });

  it('records the node a tool syscall was placed on', async () => {
    const nodes = new InProcessNodeRegistry();
    nodes.register({ id: 'builder', capabilities: { tools: ['docker'] } });
    nodes.register({ id: 'plain', capabilities: { tools: [] } });
    const kernel = new Kernel({ nodes });
    const targets: Array<string | undefined> = [];
    kernel.on('syscall-finished', (event) => targets.push(event.syscall.target));
    const agent = await kernel.acquireAgent('builder-user');
    await agent.tool('docker', async () => 'built', { requirements: { tool: 'docker' } });
    expect(targets).toEqual(['builder']);
    await kernel.close();
  });
});
