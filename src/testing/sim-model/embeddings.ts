/**
 * Deterministic embeddings: a bag-of-words random projection. Each word maps to a fixed random direction
 * (seeded by the word), a text is the normalised sum of its words' directions, so identical texts get
 * identical vectors and texts sharing words have a higher cosine similarity than unrelated ones.
 */
import { gaussian, hashSeed, mulberry32 } from './random.js';

const wordCache = new Map<string, Float64Array>();
const WORD_CACHE_LIMIT = 50_000;

function wordVector(seed: number, word: string, dimensions: number): Float64Array {
  const key = `${seed}:${dimensions}:${word}`;
  const cached = wordCache.get(key);
  if (cached) return cached;
  const random = mulberry32(hashSeed('embedding', seed, word));
  const vector = new Float64Array(dimensions);
  for (let i = 0; i < dimensions; i++) vector[i] = gaussian(random);
  // Bounded so a long benchmark over a huge vocabulary cannot grow the process without limit.
  if (wordCache.size >= WORD_CACHE_LIMIT) wordCache.clear();
  wordCache.set(key, vector);
  return vector;
}

/** Lowercased letter/digit runs; punctuation and case do not change which words a text shares. */
export function embeddingWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A unit-length vector for the text. A text without words gets a vector seeded by the whole text. */
export function embedText(seed: number, text: string, dimensions: number): number[] {
  const words = embeddingWords(text);
  const sum = new Float64Array(dimensions);
  for (const word of words.length > 0 ? words : [`\u0000${text}`]) {
    const vector = wordVector(seed, word, dimensions);
    for (let i = 0; i < dimensions; i++) sum[i] = (sum[i] ?? 0) + (vector[i] ?? 0);
  }
  let norm = 0;
  for (const value of sum) norm += value * value;
  norm = Math.sqrt(norm);
  return Array.from(sum, (value) => (norm === 0 ? 0 : value / norm));
}

/** OpenAI's `encoding_format: 'base64'`: little-endian float32s, base64-encoded. */
export function toBase64Float32(vector: number[]): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return Buffer.from(view.buffer).toString('base64');
}
