/**
 * Seeded randomness. Everything the simulator makes up comes from here so that one seed reproduces a run:
 * content-derived values (reply text, embeddings, ids) hash their inputs, and order-derived values (fault
 * draws) come from one PRNG stream consumed in arrival order.
 */
import { createHash } from 'node:crypto';

import type { Tokenizer } from '../../models/types.js';

/** Hex digest of the parts; the separator keeps ('ab','c') and ('a','bc') apart. */
export function hashHex(...parts: (string | number)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${String(part).length}:${String(part)};`);
  return hash.digest('hex');
}

/** A 32-bit seed derived from the parts. */
export function hashSeed(...parts: (string | number)[]): number {
  return Number.parseInt(hashHex(...parts).slice(0, 8), 16) >>> 0;
}

/** mulberry32: tiny, fast and good enough for test data; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller), for direction-uniform random vectors. */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

// Plain lowercase English words that o200k_base and cl100k_base both encode as one token after a space,
// so a reply of N words is close to N tokens before it is trimmed to exactly N.
const VOCABULARY = [
  'the system agent model task result plan data value state step tool answer query report ',
  'file team work time user request response check update review build test run change note ',
  'list item order record event signal source output input memory context window token is was ',
  'will can should and or with from into over after before then now next first final simple ',
  'clear ready',
]
  .join('')
  .split(' ');

function pick(random: () => number): string {
  return VOCABULARY[Math.floor(random() * VOCABULARY.length)] ?? 'the';
}

/**
 * Deterministic filler text of exactly `tokens` tokens (for the ASCII vocabulary above), as sentences of
 * 6-13 words. Only `seed` and `key` (the hashed conversation) decide it.
 */
export function fillerText(tokenizer: Tokenizer, tokens: number, seed: number, key: string): string {
  if (tokens <= 0) return '';
  const random = mulberry32(hashSeed('reply', seed, key));
  const sentences: string[] = [];
  let words = 0;
  // Every word is at least one token, so `tokens` words always suffice before trimming.
  while (words < tokens) {
    const length = 6 + Math.floor(random() * 8);
    const sentence: string[] = [];
    for (let i = 0; i < length; i++) sentence.push(pick(random));
    const first = sentence[0] ?? 'the';
    sentence[0] = first.charAt(0).toUpperCase() + first.slice(1);
    sentences.push(`${sentence.join(' ')}.`);
    words += length;
  }
  const encoded = tokenizer.encode(sentences.join(' '));
  return tokenizer.decode(encoded.slice(0, tokens));
}
