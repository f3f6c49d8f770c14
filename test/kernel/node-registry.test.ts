import { beforeEach, describe, expect, it } from 'vitest';

import { NoEligibleNodeError, UserError } from '../../src/errors/index.js';
import {
  InProcessNodeRegistry,
  NodeRouter,
  type NodeCapabilities,
  type NodeRequirements,
} from '../../src/kernel/node-registry.js';

const BIG = 'vllm:llama-3.1-70b';
const SMALL = 'vllm:llama-3.1-8b';

let registry: InProcessNodeRegistry;
let router: NodeRouter;

beforeEach(() => {
  registry = new InProcessNodeRegistry();
  router = new NodeRouter(registry);
  registry.register({
    id: 'gpu-2',
    capabilities: { gpuMemoryGb: 24, models: [SMALL], cpus: 16, labels: { zone: 'us' } },
  });
  registry.register({
    id: 'gpu-1',
    capabilities: { gpuMemoryGb: 80, models: [BIG, SMALL], cpus: 32, labels: { zone: 'us' } },
  });
  registry.register({
    id: 'cpu-1',
    capabilities: { cpus: 8, tools: ['shell', 'git'], labels: { zone: 'eu', tier: 'spot' } },
  });
});

function rejection(requirements: NodeRequirements): NoEligibleNodeError {
  try {
    router.place(requirements);
  } catch (error) {
    if (error instanceof NoEligibleNodeError) return error;
    throw error;
  }
  throw new Error('expected place() to fail');
}

describe('NodeRouter.place', () => {
  it('puts the 70B model only on the big-GPU node', () => {
    expect(router.place({ model: BIG, minGpuMemoryGb: 80 }).id).toBe('gpu-1');
    expect(router.eligible({ model: BIG }).map((n) => n.id)).toEqual(['gpu-1']);
    expect(router.eligible({ minGpuMemoryGb: 40 }).map((n) => n.id)).toEqual(['gpu-1']);
  });

  it('puts a tool call only where the tool is installed', () => {
    expect(router.place({ tool: 'git' }).id).toBe('cpu-1');
    expect(() => router.place({ tool: 'docker' })).toThrow(NoEligibleNodeError);
  });

  it('skips unhealthy nodes, and takes them back when they recover', () => {
    registry.setHealthy('gpu-1', false);
    expect(router.eligible({ model: SMALL }).map((n) => n.id)).toEqual(['gpu-2']);
    expect(() => router.place({ model: BIG })).toThrow(NoEligibleNodeError);
    registry.setHealthy('gpu-1', true);
    expect(router.place({ model: BIG }).id).toBe('gpu-1');
  });

  it('chooses the least-loaded node, breaking ties by lowest id', () => {
    expect(router.place({ model: SMALL }).id).toBe('gpu-1');
    registry.addLoad('gpu-1', 2);
    expect(router.place({ model: SMALL }).id).toBe('gpu-2');
    registry.addLoad('gpu-2', 3);
    expect(router.eligible({ model: SMALL }).map((n) => [n.id, n.load])).toEqual([
      ['gpu-1', 2],
      ['gpu-2', 3],
    ]);
    expect(router.eligible({}).map((n) => n.id)).toEqual(['cpu-1', 'gpu-1', 'gpu-2']);
  });

  it('matches labels exactly and by every key', () => {
    expect(router.eligible({ labels: { zone: 'us' } }).map((n) => n.id)).toEqual(['gpu-1', 'gpu-2']);
    expect(router.place({ labels: { zone: 'eu', tier: 'spot' } }).id).toBe('cpu-1');
    expect(router.eligible({ labels: { zone: 'us', tier: 'spot' } })).toEqual([]);
  });

  it('filters by CPU count', () => {
    expect(router.eligible({ minCpus: 16 }).map((n) => n.id)).toEqual(['gpu-1', 'gpu-2']);
    expect(router.eligible({ minCpus: 8, tool: 'shell' }).map((n) => n.id)).toEqual(['cpu-1']);
  });

  it('explains why each node was excluded, in the message and in data.rejections', () => {
    registry.setHealthy('gpu-1', false);
    const error = rejection({ model: BIG, minGpuMemoryGb: 80, labels: { zone: 'us' } });
    expect(error.code).toBe('no_eligible_node');
    expect(error.fault).toBe('user');
    expect(error.message).toContain('gpu-1: unhealthy');
    expect(error.message).toContain(`gpu-2: model "${BIG}" not served, 24 GB GPU memory < 80 GB required`);
    expect(error.message).toContain(
      `cpu-1: model "${BIG}" not served, no GPU (80 GB GPU memory required), label zone=us required, has zone=eu`,
    );
    expect(error.data['rejections']).toEqual([
      {
        nodeId: 'cpu-1',
        reasons: [
          `model "${BIG}" not served`,
          'no GPU (80 GB GPU memory required)',
          'label zone=us required, has zone=eu',
        ],
      },
      { nodeId: 'gpu-1', reasons: ['unhealthy'] },
      { nodeId: 'gpu-2', reasons: [`model "${BIG}" not served`, '24 GB GPU memory < 80 GB required'] },
    ]);
  });

  it('names missing tools, CPUs and labels', () => {
    const error = rejection({ tool: 'docker', minCpus: 12, labels: { gpu: 'h100' } });
    expect(error.message).toContain('cpu-1: tool "docker" not installed, 8 CPUs < 12 required');
    expect(error.message).toContain('label gpu=h100 required, label missing');
    registry.register({ id: 'bare', capabilities: {} });
    expect(rejection({ minCpus: 64 }).message).toContain('bare: CPU count not declared (64 required)');
  });

  it('says so when no node is registered', () => {
    const empty = new NodeRouter(new InProcessNodeRegistry());
    expect(() => empty.place({})).toThrow(/no nodes are registered/);
    expect(empty.eligible({})).toEqual([]);
  });

  it('rejects malformed requirements with a UserError naming the field', () => {
    expect(() => router.place({ minGpuMemoryGb: -1 })).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        data: expect.objectContaining({ field: 'minGpuMemoryGb' }),
      }),
    );
    expect(() => router.place({ modle: BIG } as NodeRequirements)).toThrow(
      expect.objectContaining({ data: expect.objectContaining({ field: 'modle' }) }),
    );
  });
});

describe('InProcessNodeRegistry', () => {
  it('starts nodes healthy with zero load', () => {
    expect(registry.get('cpu-1')).toEqual({
      id: 'cpu-1',
      capabilities: { cpus: 8, tools: ['shell', 'git'], labels: { zone: 'eu', tier: 'spot' } },
      healthy: true,
      load: 0,
    });
    expect(registry.list().map((n) => n.id)).toEqual(['gpu-2', 'gpu-1', 'cpu-1']);
    expect(registry.get('nope')).toBeUndefined();
  });

  it('rejects a duplicate id', () => {
    expect(() => registry.register({ id: 'gpu-1', capabilities: {} })).toThrow(UserError);
    expect(() => registry.register({ id: 'gpu-1', capabilities: {} })).toThrow(/already registered/);
  });

  it.each([
    [{ gpuMemoryGb: -1 }, 'capabilities.gpuMemoryGb'],
    [{ cpus: 0 }, 'capabilities.cpus'],
    [{ models: ['ok', ''] }, 'capabilities.models.1'],
    [{ labels: { zone: 3 } }, 'capabilities.labels.zone'],
    [{ gpuMemoryGB: 80 }, 'capabilities.gpuMemoryGB'],
  ])('validates capabilities %j, naming %s', (capabilities, field) => {
    expect(() => registry.register({ id: 'new', capabilities: capabilities as NodeCapabilities })).toThrow(
      expect.objectContaining({ code: 'invalid_input', data: expect.objectContaining({ field }) }),
    );
    expect(registry.get('new')).toBeUndefined();
  });

  it('rejects an empty id', () => {
    expect(() => registry.register({ id: '', capabilities: {} })).toThrow(UserError);
  });

  it('does not let callers change registered state through their own objects or snapshots', () => {
    const capabilities: NodeCapabilities = { models: ['a'] };
    registry.register({ id: 'n', capabilities });
    capabilities.models?.push('b');
    const snapshot = registry.get('n');
    snapshot?.capabilities.models?.push('c');
    if (snapshot) snapshot.load = 99;
    expect(registry.get('n')).toMatchObject({ capabilities: { models: ['a'] }, load: 0 });
  });

  it('never lets load go below zero and rejects non-finite deltas', () => {
    registry.addLoad('gpu-1', 1);
    registry.addLoad('gpu-1', -3);
    expect(registry.get('gpu-1')?.load).toBe(0);
    expect(() => registry.addLoad('gpu-1', Number.NaN)).toThrow(UserError);
  });

  it('rejects health and load updates for unknown nodes, but unregisters idempotently', () => {
    expect(() => registry.setHealthy('ghost', false)).toThrow(UserError);
    expect(() => registry.addLoad('ghost', 1)).toThrow(/not registered/);
    registry.unregister('gpu-1');
    registry.unregister('gpu-1');
    expect(registry.get('gpu-1')).toBeUndefined();
    expect(router.eligible({ model: BIG })).toEqual([]);
    registry.register({ id: 'gpu-1', capabilities: { models: [BIG] } });
    expect(router.place({ model: BIG })).toMatchObject({ id: 'gpu-1', load: 0, healthy: true });
  });
});
