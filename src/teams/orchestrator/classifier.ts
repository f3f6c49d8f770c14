import { z } from 'zod';

import type { ModelProvider } from '../../models/index.js';
import { askJson } from '../structured.js';
import { UNKNOWN_DOMAIN } from './types.js';

export interface Classification {
  /** Known domains in the order the model named them, or [`unknown`]. */
  domains: string[];
  attempts: number;
  /** Why each rejected answer was rejected (the model was asked again with it). */
  rejections: string[];
}

const answerSchema = z.object({
  domains: z.array(z.string().trim().toLowerCase()).min(1, 'name at least one domain'),
});

/**
 * Asks the model which domains a goal needs. An answer naming a domain that does not exist is sent back
 * naming the allowed ones (through `askJson`), so the result only ever holds known domains or `unknown`.
 */
export async function classifyGoal(
  provider: ModelProvider,
  goal: string,
  domains: ReadonlyArray<{ domain: string; description: string }>,
  options: { maxAttempts?: number; signal?: AbortSignal | undefined } = {},
): Promise<Classification> {
  const allowed = new Set([...domains.map((entry) => entry.domain), UNKNOWN_DOMAIN]);
  const result = await askJson(provider, {
    system: classifierPrompt(domains),
    user: goal,
    schema: answerSchema,
    check: ({ domains: named }) => {
      const unknown = named.filter((domain) => !allowed.has(domain));
      return unknown.length === 0
        ? undefined
        : `${unknown.map((domain) => `"${domain}"`).join(', ')} ${unknown.length === 1 ? 'is not a' : 'are not'} known domain${unknown.length === 1 ? '' : 's'}; use only: ${[...allowed].join(', ')}.`;
    },
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    domains: normaliseDomains(result.value.domains),
    attempts: result.attempts,
    rejections: result.rejections,
  };
}

/** Deduplicated, in order; `unknown` only when nothing else was named (a goal that needs billing is not novel). */
export function normaliseDomains(domains: string[]): string[] {
  const unique = [...new Set(domains)];
  const known = unique.filter((domain) => domain !== UNKNOWN_DOMAIN);
  return known.length > 0 ? known : [UNKNOWN_DOMAIN];
}

function classifierPrompt(domains: ReadonlyArray<{ domain: string; description: string }>): string {
  return [
    'Classify the goal into the specialist domains it needs.',
    'Domains:',
    ...domains.map((entry) => `- ${entry.domain}: ${entry.description}`),
    `- ${UNKNOWN_DOMAIN}: the goal fits none of the domains above`,
    'Answer with only JSON: {"domains": ["<domain>", ...]}, the domains in the order the work should flow.',
  ].join('\n');
}
