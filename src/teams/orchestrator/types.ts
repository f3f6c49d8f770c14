import { z } from 'zod';

import { UserError } from '../../errors/index.js';

/** The domain a task gets when it fits none of the known ones. */
export const UNKNOWN_DOMAIN = 'unknown';

/** Domains no template may take: `unknown`, and the generalist's, whose agent is `<prefix>-generalist`. */
export const RESERVED_DOMAINS: ReadonlySet<string> = new Set([UNKNOWN_DOMAIN, 'generalist']);

const DOMAIN_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export const specialistTemplateSchema = z.strictObject({
  /** Lower-case name of the domain: letters, digits, `_`, `-`; up to 32 characters; not `unknown` or `generalist`. */
  domain: z
    .string()
    .regex(
      DOMAIN_PATTERN,
      'must be 1-32 lower-case letters, digits, "_" or "-", starting with a letter or digit',
    )
    .refine((domain) => !RESERVED_DOMAINS.has(domain), 'is reserved ("unknown" and "generalist" are)'),
  /** What tasks of the domain look like; the classifier reads it. */
  description: z.string().min(1),
  /** The specialist's persona and instructions (its system prompt, or its memory agent's instructions). */
  persona: z.string().min(1),
  /** Tool names from the runtime's catalogue. */
  tools: z.array(z.string().min(1)).optional(),
  /** Core memory blocks of the specialist's persistent memory agent (used when a MemoryService is given). */
  memoryBlocks: z
    .array(
      z.strictObject({
        label: z.string().min(1),
        value: z.string(),
        limit: z.number().int().positive().optional(),
      }),
    )
    .optional(),
});

/** What a specialist is made from: `specialistTemplateSchema` validates it. */
export interface SpecialistTemplate {
  domain: string;
  description: string;
  persona: string;
  tools?: string[];
  memoryBlocks?: Array<{ label: string; value: string; limit?: number }>;
}

export interface ReorganisationThresholds {
  /** Merge two agents when each collaborates with the other in more than this share of its interactions (0.8). */
  mergeShare: number;
  /** ...and each has at least this many interactions, so a couple of joint tasks do not merge them (10). */
  mergeMinInteractions: number;
  /** Spawn a sub-orchestrator when the queue holds more than this many tasks (100). */
  maxQueue: number;
  /** Create a specialist type when an unknown task pattern recurs more than this many times (10). */
  novelPatternRecurrences: number;
}

export const DEFAULT_THRESHOLDS: ReorganisationThresholds = {
  mergeShare: 0.8,
  mergeMinInteractions: 10,
  maxQueue: 100,
  novelPatternRecurrences: 10,
};

/** A recurring pattern of tasks no known domain fits. */
export interface NovelPattern {
  signature: string;
  /** The tasks that made it recur, oldest first (at most 20). */
  examples: string[];
  recurrences: number;
}

export interface TaskInput {
  /** Skip classification: the task's domains, known ones or `unknown`. */
  domains?: string[];
  signal?: AbortSignal;
}

export interface QueuedTask {
  id: string;
  goal: string;
  /** Known domains in order, or [`unknown`]. */
  domains: string[];
  /** The pattern signature, for tasks classified `unknown`. */
  signature?: string;
  enqueuedAt: Date;
}

export interface TaskStep {
  agent: string;
  domain: string;
  from: string;
  runId: string;
  answer: string;
}

export interface TaskResult {
  task: QueuedTask;
  /** The orchestrator that ran it (a sub-orchestrator's name for delegated tasks). */
  orchestrator: string;
  /** The last specialist's answer, which saw every earlier one. */
  answer: string;
  steps: TaskStep[];
}

export interface SpecialistInfo {
  domain: string;
  agent: string;
  /** The persistent memory agent's id, when the orchestrator has a MemoryService. */
  memoryAgentId?: string;
}

export interface TeamInfo {
  name: string;
  /** Agent names, in the order work passes through them. */
  members: string[];
  domains: string[];
}

export function resolveThresholds(partial: Partial<ReorganisationThresholds> = {}): ReorganisationThresholds {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...partial };
  const problems: string[] = [];
  if (!(thresholds.mergeShare >= 0 && thresholds.mergeShare < 1))
    problems.push('mergeShare must be in [0, 1)');
  for (const key of ['mergeMinInteractions', 'maxQueue', 'novelPatternRecurrences'] as const) {
    if (!Number.isInteger(thresholds[key]) || thresholds[key] < 0)
      problems.push(`${key} must be a non-negative integer`);
  }
  if (problems.length > 0)
    throw new UserError('invalid_input', `Invalid reorganisation thresholds: ${problems.join('; ')}.`, {
      data: { field: 'thresholds', problems },
    });
  return thresholds;
}

export function parseTemplate(template: unknown): SpecialistTemplate {
  const parsed = specialistTemplateSchema.safeParse(template);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new UserError('invalid_input', `Invalid specialist template: ${problems.join('; ')}.`, {
      data: { field: 'templates', problems },
    });
  }
  // Rebuilt field by field: zod's optional fields may hold `undefined`, which the template type excludes.
  const { domain, description, persona, tools, memoryBlocks } = parsed.data;
  return {
    domain,
    description,
    persona,
    ...(tools ? { tools } : {}),
    ...(memoryBlocks
      ? {
          memoryBlocks: memoryBlocks.map(({ label, value, limit }) => ({
            label,
            value,
            ...(limit === undefined ? {} : { limit }),
          })),
        }
      : {}),
  };
}
