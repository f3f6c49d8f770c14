/**
 * How long a filler reply is. By default every filler reply is `defaultReplyTokens` long; `replyTokens`
 * makes lengths long-tailed, like real agent output, while keeping them a pure function of the seed and
 * the conversation, so a rerun (or a continuation of a prefill) sees the same length.
 */
import type { ResolvedSimModelOptions } from './options.js';
import { gaussian, hashSeed, mulberry32 } from './random.js';

/** The 99th percentile of the standard normal distribution. */
export const Z_99 = 2.3263478740408408;

/** The log-normal sigma that puts the 99th percentile at `p99` when the median is `median`. */
export function lognormalSigma(median: number, p99: number): number {
  return Math.log(p99 / median) / Z_99;
}

/**
 * Tokens of the filler reply for the conversation whose key is `key` (the conversation without any
 * assistant prefill): `median` for 'fixed'; for 'lognormal', `median * exp(sigma * z)` with z a standard
 * normal drawn from hash(seed, key). Either way rounded and clamped to [1, max].
 */
export function fillerReplyTokens(
  options: Pick<ResolvedSimModelOptions, 'seed' | 'defaultReplyTokens' | 'replyTokens' | 'contextWindow'>,
  key: string,
): number {
  const spec = options.replyTokens;
  if (spec === undefined) return options.defaultReplyTokens;
  let tokens = spec.median;
  if (spec.distribution === 'lognormal') {
    const sigma = lognormalSigma(spec.median, spec.p99 ?? spec.median);
    tokens =
      spec.median * Math.exp(sigma * gaussian(mulberry32(hashSeed('reply-length', options.seed, key))));
  }
  return Math.min(Math.max(Math.round(tokens), 1), spec.max ?? options.contextWindow);
}
