import type { MessageRole } from './types.js';

/**
 * When the in-context message buffer is managed. Fractions of the model's context window: warn the model
 * at `warnAt`, compact at `compactAt` down to `compactTo`. `keepLast` recent messages always stay.
 */
export interface BufferPolicy {
  warnAt: number;
  compactAt: number;
  compactTo: number;
  keepLast: number;
}

export const DEFAULT_BUFFER_POLICY: BufferPolicy = {
  warnAt: 0.75,
  compactAt: 0.9,
  compactTo: 0.7,
  keepLast: 3,
};

export type Pressure = 'ok' | 'warn' | 'compact';

export function pressureOf(
  usedTokens: number,
  contextWindow: number,
  policy: BufferPolicy = DEFAULT_BUFFER_POLICY,
): Pressure {
  if (usedTokens >= policy.compactAt * contextWindow) return 'compact';
  if (usedTokens >= policy.warnAt * contextWindow) return 'warn';
  return 'ok';
}

export interface BufferedMessage {
  role: MessageRole;
  tokens: number;
}

/**
 * How many of the oldest in-context messages to evict so that what stays (`fixedTokens` for the system
 * prompt and summary, plus the kept messages) fits `compactTo` of the window.
 *
 * The cut always lands before a message that is not a tool result, so a tool result never loses the call
 * it answers (results directly follow their call). At least `keepLast` messages stay when possible; if even
 * the smallest valid suffix is over budget, the most that can be evicted without splitting a pair is.
 */
export function planEviction(
  messages: readonly BufferedMessage[],
  fixedTokens: number,
  contextWindow: number,
  policy: BufferPolicy = DEFAULT_BUFFER_POLICY,
): number {
  const budget = Math.floor(policy.compactTo * contextWindow) - fixedTokens;
  const count = messages.length;
  // suffix[i] = tokens of messages[i..]
  const suffix = new Array<number>(count + 1).fill(0);
  for (let index = count - 1; index >= 0; index--)
    suffix[index] = (suffix[index + 1] ?? 0) + (messages[index]?.tokens ?? 0);
  const validCut = (cut: number): boolean => cut === count || messages[cut]?.role !== 'tool';
  const latestCut = Math.max(0, count - policy.keepLast);
  for (let cut = 0; cut <= latestCut; cut++) {
    if (validCut(cut) && (suffix[cut] ?? 0) <= budget) return cut;
  }
  // Over budget even with only the last few messages: evict as much as possible, keeping at least one.
  for (let cut = count - 1; cut > 0; cut--) if (validCut(cut)) return cut;
  return 0;
}
