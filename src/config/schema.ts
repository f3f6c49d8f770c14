import { z } from 'zod';

import { kernelConfigSchema } from '../kernel/config.js';
import { mcpServersSchema } from '../tools/mcp/index.js';
import { parseModelId, PROVIDER_KINDS } from '../models/index.js';

const modelId = z.string().superRefine((value, context) => {
  try {
    parseModelId(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
  }
});

const providerSettingsSchema = z
  .object({
    apiKey: z.string().min(1, 'must not be empty').optional(),
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8000/v1' })
      .optional(),
    maxRetries: z.number().int().min(0).max(10).optional(),
    timeoutMs: z.number().int().positive().optional(),
    embeddingModel: z.string().min(1).optional(),
    /** Whether the server continues a trailing assistant message (needed to resume preempted generations). */
    assistantPrefill: z.boolean().optional(),
  })
  .strict();

const modelSettingsSchema = z
  .object({
    contextWindow: z.number().int().positive().optional(),
    /** USD per million prompt tokens, for cost accounting. */
    inputCostPerMillion: z.number().nonnegative().optional(),
    /** USD per million completion tokens. */
    outputCostPerMillion: z.number().nonnegative().optional(),
  })
  .strict();

const providersSchema = z
  .object(
    Object.fromEntries(PROVIDER_KINDS.map((kind) => [kind, providerSettingsSchema.optional()])) as Record<
      (typeof PROVIDER_KINDS)[number],
      z.ZodOptional<typeof providerSettingsSchema>
    >,
  )
  .strict();

const agentSchema = z
  .object({
    instructions: z
      .string()
      .default('You are a helpful, precise assistant. Use tools when they help; answer concisely.'),
    maxSteps: z.number().int().min(1).max(500).default(10),
    maxTokens: z.number().int().positive().optional(),
    /** Budget per run: prompt + completion tokens, and USD (needs prices in `models`). */
    maxTotalTokens: z.number().int().positive().optional(),
    maxCostUsd: z.number().positive().optional(),
  })
  .strict();

const memorySchema = z
  .object({
    /** Model id used to embed archival passages (e.g. openai:text-embedding-3-small); unset = full-text search only. */
    embeddingModel: modelId.optional(),
    /** Message buffer thresholds, as fractions of the context window. */
    warnAt: z.number().gt(0).lt(1).default(0.75),
    compactAt: z.number().gt(0).lte(1).default(0.9),
    compactTo: z.number().gt(0).lt(1).default(0.7),
  })
  .strict()
  .refine((memory) => memory.compactTo < memory.compactAt, {
    message: 'compactTo must be below compactAt',
    path: ['compactTo'],
  });

const toolsSchema = z
  .object({
    /**
     * How agents see MCP tools: `direct` (every tool definition in context), `code` (search_tools and execute_code:
     * programs call the tools in a sandbox, only their output reaches the model), or `both`.
     */
    mode: z.enum(['direct', 'code', 'both']).default('direct'),
  })
  .strict();

/** The whole configuration, as validated from `hydra.config.*`, the environment and flags. */
export const hydraConfigSchema = z
  .object({
    /** The default model, e.g. `openai:gpt-4o-mini`. Env: HYDRA_MODEL. */
    model: modelId.optional(),
    providers: providersSchema.default({}),
    /** Per-model overrides keyed by model id. */
    models: z.record(z.string(), modelSettingsSchema).default({}),
    agent: agentSchema.default(agentSchema.parse({})),
    memory: memorySchema.prefault({}),
    /** MCP servers, in the shape Claude Desktop and Cursor use: { "<name>": { command, args, env } | { url, headers } }. */
    mcpServers: mcpServersSchema.prefault({}),
    tools: toolsSchema.prefault({}),
    /** Workflow modules: files or directories of .ts/.js files exporting compiled graphs. */
    workflows: z.array(z.string().min(1)).default(['workflows']),
    /** Scheduling, limits, retries and per-model backend slots: see docs/kernel.md. */
    kernel: kernelConfigSchema.prefault({}),
    /** PostgreSQL server; unset means the embedded store. Env: DATABASE_URL. */
    databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional(),
    /** Redis server; unset means the in-process bus. Env: REDIS_URL. */
    redisUrl: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
    /** Where embedded state lives. */
    dataDir: z.string().min(1).default('.hydra'),
  })
  .strict();

export type HydraConfig = z.output<typeof hydraConfigSchema>;
export type HydraConfigInput = z.input<typeof hydraConfigSchema>;

/** Identity helper that types a `hydra.config.ts` default export. */
export function defineConfig(config: HydraConfigInput): HydraConfigInput {
  return config;
}
