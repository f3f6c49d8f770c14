/**
 * The simulated model server's configuration: a zod schema that doubles as the format of the JSON script
 * file the CLI loads, so a typo in a script is reported with the offending field instead of being ignored.
 */
import { z } from 'zod';

import { UserError } from '../../errors/index.js';

/** Faults the server can inject, by rate or from a scripted rule. */
export const FAULT_KINDS = ['429', '500', 'hang', 'malformedToolJson'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

// Rule patterns are compiled once per request; validating them here turns a bad regex into an option error
// instead of a 500 on the first request that reaches the rule.
const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'Invalid regular expression' },
);

const rate = z.number().min(0).max(1).default(0);
const nonNegative = z.number().nonnegative();

export const simToolCallSchema = z.strictObject({
  name: z.string().min(1),
  /** An object is serialised as JSON (string values get templates); a string is sent verbatim. */
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).default({}),
});

export const simReplySchema = z.strictObject({
  text: z.string().optional(),
  toolCalls: z.array(simToolCallSchema).optional(),
  fault: z.enum(FAULT_KINDS).optional(),
  completionTokens: z.number().int().nonnegative().optional(),
});

export const simRuleSchema = z.strictObject({
  name: z.string().optional(),
  match: z
    .strictObject({
      lastUser: regexSource.optional(),
      system: regexSource.optional(),
      afterToolResult: z.boolean().optional(),
      toolResultFrom: z.string().optional(),
      hasTools: z.boolean().optional(),
      model: z.string().optional(),
    })
    .prefault({}),
  reply: simReplySchema,
  times: z.number().int().positive().optional(),
});

/** Lengths of filler replies: one fixed length, or a seeded log-normal draw per conversation. */
export const replyTokensSchema = z
  .strictObject({
    distribution: z.enum(['fixed', 'lognormal']),
    median: z.number().positive(),
    /** Required for 'lognormal'; ignored by 'fixed'. */
    p99: z.number().positive().optional(),
    /** Upper clamp of a drawn length; defaults to the context window. */
    max: z.number().int().positive().optional(),
  })
  .refine((spec) => spec.distribution === 'fixed' || (spec.p99 !== undefined && spec.p99 >= spec.median), {
    path: ['p99'],
    message: "A 'lognormal' distribution needs p99 >= median",
  });

export const simModelOptionsSchema = z.strictObject({
  seed: z.number().default(1),
  model: z.string().min(1).default('sim-model'),
  encoding: z.enum(['o200k_base', 'cl100k_base']).default('o200k_base'),
  rules: z.array(simRuleSchema).default([]),
  defaultReplyTokens: z.number().int().nonnegative().default(32),
  /** Overrides `defaultReplyTokens` with a distribution of filler lengths. */
  replyTokens: replyTokensSchema.optional(),
  latency: z
    .strictObject({
      prefillMsPerToken: nonNegative.default(0),
      decodeMsPerToken: nonNegative.default(0),
      firstByteMs: nonNegative.default(0),
    })
    .prefault({}),
  slots: z.number().int().positive().default(4),
  /** Decode slows by this fraction per other generation in flight, as continuous batching does on a GPU. */
  batchSlowdown: nonNegative.default(0),
  overflow: z.enum(['queue', 'reject']).default('queue'),
  retryAfterSeconds: nonNegative.default(1),
  contextWindow: z.number().int().positive().default(8192),
  faults: z
    .strictObject({
      rate429: rate,
      rate500: rate,
      rateHang: rate,
      rateMalformedToolJson: rate,
    })
    .prefault({}),
  /** A hanging request answers 504 after this long; without it, it hangs until aborted or stopped. */
  hangMs: z.number().positive().optional(),
  embeddingDimensions: z.number().int().min(1).max(8192).default(64),
  /** Distinct texts whose token counts are remembered for prompt counting (LRU); 0 turns the cache off. */
  tokenCountCacheEntries: z.number().int().nonnegative().default(100_000),
});

/** Options as written by a caller or in a script file; every field is optional. */
export type SimModelOptions = z.input<typeof simModelOptionsSchema>;
/** Options after defaults are applied. */
export type ResolvedSimModelOptions = z.output<typeof simModelOptionsSchema>;
export type SimRule = z.input<typeof simRuleSchema>;
export type SimReply = z.input<typeof simReplySchema>;
export type SimToolCall = z.input<typeof simToolCallSchema>;
export type SimReplyTokens = z.input<typeof replyTokensSchema>;
export type ResolvedSimRule = z.output<typeof simRuleSchema>;

/** Renders a zod issue path as `rules[0].match.lastUser`, the way people write it in a script. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Validates and defaults options; a bad option is a `UserError('invalid_input')` naming the field. */
export function parseSimModelOptions(input: unknown): ResolvedSimModelOptions {
  const result = simModelOptionsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const base = formatIssuePath(issue.path);
    // An unknown key is reported at its parent; naming the key itself is what the reader needs.
    const field = keys.length > 0 ? formatIssuePath([...issue.path, keys[0] ?? '']) : base;
    return { field: field === '' ? '(root)' : field, message: issue.message };
  });
  const first = issues[0] ?? { field: '(root)', message: 'invalid options' };
  throw new UserError('invalid_input', `Invalid sim-model option '${first.field}': ${first.message}`, {
    data: { field: first.field, issues },
  });
}
