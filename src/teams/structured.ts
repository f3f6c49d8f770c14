import type { z } from 'zod';

import { UserError } from '../errors/index.js';
import type { ChatMessage, ModelProvider, TokenUsage } from '../models/index.js';

export interface AskJsonOptions<Schema extends z.ZodType> {
  /** The role's instructions; should say which JSON shape to answer with. */
  system: string;
  /** The request itself. */
  user: string;
  schema: Schema;
  /**
   * Extra checks after the schema (e.g. a plan's dependencies form a DAG): return a message naming what is
   * wrong, and the model is asked again with it; undefined when the value is fine.
   */
  check?: (value: z.output<Schema>) => string | undefined;
  /** Model calls in all, the first included (default 3). */
  maxAttempts?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface AskJsonResult<Value> {
  value: Value;
  /** Model calls made (1 when the first answer was valid). */
  attempts: number;
  usage: TokenUsage;
  /** What was wrong with each rejected answer, in order. */
  rejections: string[];
}

/**
 * Asks a model for a JSON answer matching `schema`. An answer that is not JSON, fails the schema or fails
 * `check` is sent back with what was wrong, up to `maxAttempts` calls in all; then a `UserError`
 * ('invalid_input') carries every rejection. Accepts the JSON bare or in a fenced code block.
 */
export async function askJson<Schema extends z.ZodType>(
  provider: ModelProvider,
  options: AskJsonOptions<Schema>,
): Promise<AskJsonResult<z.output<Schema>>> {
  const maxAttempts = options.maxAttempts ?? 3;
  const messages: ChatMessage[] = [
    { role: 'system', content: options.system },
    { role: 'user', content: options.user },
  ];
  const usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  const rejections: string[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const response = await provider.chat(
      { messages, ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }) },
      options.signal ? { signal: options.signal } : {},
    );
    usage.promptTokens += response.usage.promptTokens;
    usage.completionTokens += response.usage.completionTokens;
    usage.totalTokens += response.usage.totalTokens;
    const text = response.message.content ?? '';
    const verdict = judge(text, options);
    if (verdict.ok) return { value: verdict.value, attempts: attempt, usage, rejections };
    rejections.push(verdict.problem);
    messages.push(
      { role: 'assistant', content: text },
      {
        role: 'user',
        content: `That answer was rejected: ${verdict.problem}\nAnswer again with only the corrected JSON.`,
      },
    );
  }
  throw new UserError(
    'invalid_input',
    `The model gave no acceptable answer in ${maxAttempts} attempts: ${rejections.join(' | ')}`,
    { data: { rejections, usage } },
  );
}

type Verdict<Value> = { ok: true; value: Value } | { ok: false; problem: string };

function judge<Schema extends z.ZodType>(
  text: string,
  options: AskJsonOptions<Schema>,
): Verdict<z.output<Schema>> {
  let raw: unknown;
  try {
    raw = JSON.parse(extractJson(text));
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message}).` };
  }
  const parsed = options.schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    return { ok: false, problem: `it does not match the expected shape (${problems.join('; ')}).` };
  }
  const problem = options.check?.(parsed.data);
  return problem === undefined ? { ok: true, value: parsed.data } : { ok: false, problem };
}

/** The JSON in a reply: a fenced ```json block if there is one, else the text from the first { or [. */
export function extractJson(text: string): string {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text);
  if (fenced?.[1] !== undefined) return fenced[1].trim();
  const start = text.search(/[[{]/);
  return start < 0 ? text.trim() : text.slice(start).trim();
}
