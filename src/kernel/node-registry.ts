/**
 * Where a syscall may run: a registry of nodes with their capabilities, health and load, and a router that
 * places a syscall on the least-loaded healthy node that meets its requirements, or explains why none does.
 */
import { z } from 'zod';

import { NoEligibleNodeError, UserError } from '../errors/index.js';

export interface NodeCapabilities {
  gpuMemoryGb?: number;
  /** Model ids the node serves, e.g. `vllm:llama-3.1-70b`. */
  models?: string[];
  /** Tools installed on the node. */
  tools?: string[];
  cpus?: number;
  labels?: Record<string, string>;
}

export interface NodeInfo {
  id: string;
  capabilities: NodeCapabilities;
  healthy: boolean;
  /** In-flight work on the node, in whatever unit the kernel adds with `addLoad` (syscalls by default). */
  load: number;
}

export interface NodeRequirements {
  model?: string;
  minGpuMemoryGb?: number;
  tool?: string;
  minCpus?: number;
  /** Every label must be present on the node with exactly this value. */
  labels?: Record<string, string>;
}

/** Why one node was passed over; `reasons` holds one sentence per unmet requirement. */
export interface NodeRejection {
  nodeId: string;
  reasons: string[];
}

/**
 * The seam the cluster layer implements on Redis. Methods are synchronous on purpose: placement sits on
 * the hot path of every syscall, so a distributed implementation answers reads from a local cache kept
 * current by heartbeats and pub/sub, and publishes writes in the background, instead of awaiting the network.
 */
export interface NodeRegistry {
  /** A new node starts healthy with zero load; registering an id twice is a `UserError`. */
  register(node: { id: string; capabilities: NodeCapabilities }): void;
  /** Idempotent: removing an unknown id does nothing, so a late cleanup after a crash is harmless. */
  unregister(id: string): void;
  get(id: string): NodeInfo | undefined;
  list(): NodeInfo[];
  setHealthy(id: string, healthy: boolean): void;
  addLoad(id: string, delta: number): void;
}

const nonEmpty = z.string().min(1);

export const nodeCapabilitiesSchema = z.strictObject({
  gpuMemoryGb: z.number().nonnegative().optional(),
  models: z.array(nonEmpty).optional(),
  tools: z.array(nonEmpty).optional(),
  // Fractional because container CPU quotas are (e.g. 0.5 CPU).
  cpus: z.number().positive().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const nodeRequirementsSchema = z.strictObject({
  model: nonEmpty.optional(),
  minGpuMemoryGb: z.number().nonnegative().optional(),
  tool: nonEmpty.optional(),
  minCpus: z.number().nonnegative().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

const nodeSchema = z.strictObject({ id: nonEmpty, capabilities: nodeCapabilitiesSchema });

export class InProcessNodeRegistry implements NodeRegistry {
  private readonly nodes = new Map<string, NodeInfo>();

  register(node: { id: string; capabilities: NodeCapabilities }): void {
    const parsed = parseOrThrow(nodeSchema, node, 'node');
    if (this.nodes.has(parsed.id)) {
      throw new UserError('invalid_input', `Node "${parsed.id}" is already registered.`, {
        data: { field: 'id', nodeId: parsed.id },
      });
    }
    // Parsing copied the capabilities, so later edits to the caller's object cannot change routing.
    this.nodes.set(parsed.id, {
      id: parsed.id,
      capabilities: stripUndefined(parsed.capabilities),
      healthy: true,
      load: 0,
    });
  }

  unregister(id: string): void {
    this.nodes.delete(id);
  }

  get(id: string): NodeInfo | undefined {
    const node = this.nodes.get(id);
    return node === undefined ? undefined : snapshot(node);
  }

  list(): NodeInfo[] {
    return [...this.nodes.values()].map(snapshot);
  }

  setHealthy(id: string, healthy: boolean): void {
    this.require(id).healthy = healthy;
  }

  /**
   * Load never goes below zero: a completion that arrives after its node was re-registered (which resets
   * load) would otherwise leave the new node looking busier than idle forever.
   */
  addLoad(id: string, delta: number): void {
    if (!Number.isFinite(delta)) {
      throw new UserError('invalid_input', `Load delta must be a finite number, got ${delta}.`, {
        data: { field: 'delta', nodeId: id },
      });
    }
    const node = this.require(id);
    node.load = Math.max(0, node.load + delta);
  }

  private require(id: string): NodeInfo {
    const node = this.nodes.get(id);
    if (node === undefined) {
      throw new UserError('invalid_input', `Node "${id}" is not registered.`, { data: { nodeId: id } });
    }
    return node;
  }
}

export class NodeRouter {
  constructor(private readonly registry: NodeRegistry) {}

  /**
   * The least-loaded healthy node meeting every requirement (ties: lowest id). Throws
   * `NoEligibleNodeError` whose message and `data.rejections` say why each node was excluded.
   */
  place(requirements: NodeRequirements): NodeInfo {
    const { eligible, rejections } = this.evaluate(requirements);
    const best = eligible[0];
    if (best !== undefined) return best;
    const detail =
      rejections.length === 0
        ? 'no nodes are registered'
        : rejections.map((r) => `${r.nodeId}: ${r.reasons.join(', ')}`).join('; ');
    throw new NoEligibleNodeError(`No node can run this syscall: ${detail}.`, {
      data: { requirements, rejections },
    });
  }

  /** Every healthy node meeting the requirements, least loaded first (ties: lowest id). */
  eligible(requirements: NodeRequirements): NodeInfo[] {
    return this.evaluate(requirements).eligible;
  }

  private evaluate(requirements: NodeRequirements): { eligible: NodeInfo[]; rejections: NodeRejection[] } {
    const wanted = parseOrThrow(nodeRequirementsSchema, requirements, 'requirements');
    const eligible: NodeInfo[] = [];
    const rejections: NodeRejection[] = [];
    for (const node of [...this.registry.list()].sort((a, b) => compareIds(a.id, b.id))) {
      const reasons = unmetRequirements(node, wanted);
      if (reasons.length === 0) eligible.push(node);
      else rejections.push({ nodeId: node.id, reasons });
    }
    eligible.sort((a, b) => a.load - b.load || compareIds(a.id, b.id));
    return { eligible, rejections };
  }
}

/** One human-readable sentence per requirement the node fails, e.g. "24 GB GPU memory < 80 GB required". */
export function unmetRequirements(node: NodeInfo, wanted: Loose<NodeRequirements>): string[] {
  const caps = node.capabilities;
  const reasons: string[] = [];
  if (!node.healthy) reasons.push('unhealthy');
  if (wanted.model !== undefined && !(caps.models ?? []).includes(wanted.model)) {
    reasons.push(`model "${wanted.model}" not served`);
  }
  if (wanted.minGpuMemoryGb !== undefined && (caps.gpuMemoryGb ?? 0) < wanted.minGpuMemoryGb) {
    reasons.push(
      caps.gpuMemoryGb === undefined
        ? `no GPU (${wanted.minGpuMemoryGb} GB GPU memory required)`
        : `${caps.gpuMemoryGb} GB GPU memory < ${wanted.minGpuMemoryGb} GB required`,
    );
  }
  if (wanted.tool !== undefined && !(caps.tools ?? []).includes(wanted.tool)) {
    reasons.push(`tool "${wanted.tool}" not installed`);
  }
  if (wanted.minCpus !== undefined && (caps.cpus ?? 0) < wanted.minCpus) {
    reasons.push(
      caps.cpus === undefined
        ? `CPU count not declared (${wanted.minCpus} required)`
        : `${caps.cpus} CPUs < ${wanted.minCpus} required`,
    );
  }
  for (const [key, value] of Object.entries(wanted.labels ?? {})) {
    const actual = caps.labels?.[key];
    if (actual === undefined) reasons.push(`label ${key}=${value} required, label missing`);
    else if (actual !== value) reasons.push(`label ${key}=${value} required, has ${key}=${actual}`);
  }
  return reasons;
}

// Zod's output types carry `| undefined` on optional keys, which exactOptionalPropertyTypes keeps apart.
type Loose<T> = { [K in keyof T]?: T[K] | undefined };

// Code-unit order, not localeCompare: placement must not depend on the host's locale.
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function snapshot(node: NodeInfo): NodeInfo {
  return { ...node, capabilities: structuredClone(node.capabilities) };
}

function stripUndefined(caps: Loose<NodeCapabilities>): NodeCapabilities {
  return Object.fromEntries(Object.entries(caps).filter(([, v]) => v !== undefined)) as NodeCapabilities;
}

function parseOrThrow<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = [...(issue?.path ?? []), ...(key === undefined ? [] : [key])].map(String).join('.');
  const field = path === '' ? '(root)' : path;
  throw new UserError('invalid_input', `Invalid ${what} field '${field}': ${issue?.message ?? 'invalid'}.`, {
    data: {
      field,
      issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    },
  });
}
