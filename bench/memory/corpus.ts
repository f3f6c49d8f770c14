/**
 * Seeded synthetic memory contents: passages, conversation messages and search queries drawn from one
 * vocabulary of a few hundred ordinary English content words (no stop words), with Zipf-distributed word
 * frequencies (s = 0.8; natural text is steeper, but most of its head is stop words, which full-text
 * search drops). Everything is a pure function of the seed.
 */

import { seededRandom as rng } from '../../src/testing/index.js';

export { rng };

const WORDS = `
  account address agenda airport album answer apartment apple archive article artist audit autumn backup
  badge baker balance balcony banana bank battery beach bicycle birthday blanket blossom board boat bonus
  border bottle branch bread breakfast bridge brother brunch budget bug builder bus butter cabin cable cafe
  cake calendar camera campaign candle canyon capital captain carpet carrot castle catalog cellar chapter
  charger cheese chemistry cherry chess chicken chocolate church cinema circuit city client climate clinic
  clock cloud coast coffee colleague comet concert contract cookie copper cottage cousin crystal customer
  dashboard daughter deadline deploy desert design dessert diary diet dinner doctor dragon drawer dream
  driver drum eagle earring editor election elephant engine espresso evening exam exercise factory falcon
  family farm feature festival fever fiddle finance fireplace fish flight flower forest fountain fridge
  friend funnel furniture galaxy gallery garage garden garlic ginger glacier glove goal granite grape guitar
  habit hammer harbor harvest helmet herbal highway hiking holiday honey horizon hospital hotel invoice
  island jacket jazz journal journey jungle kettle keyboard kitchen ladder lake lamp laptop lavender lawyer
  lecture lemon letter library lighthouse lizard locker lunch magnet mango manual maple market marathon
  meadow meeting melody memory mentor meteor migration milestone mirror monitor morning mortgage mountain
  museum mushroom napkin neighbor network notebook novel ocean office olive onion orange orchard orchestra
  oven oxygen package paint palace pancake paper parcel parking passport pasta patient payment peach pencil
  pepper piano picnic pillow pilot pipeline planet plumber pocket poetry pottery printer project protocol
  pumpkin puzzle quarter quilt rabbit radio railway rainbow receipt recipe refund release report reunion
  review ribbon river robot rocket roof salary salmon sandwich satellite schedule scooter sculpture server
  shelter shoulder sister sketch skiing sofa soup spinach sprint stadium statue storm strawberry studio
  subway summit sunset surgery sweater symphony tablet teacher telescope temple tennis terminal theater
  thunder ticket timber tomato tourist tractor traffic trail train treasure trumpet tunnel turtle umbrella
  uncle university vacation valley vaccine vendor village vinegar violin volcano voyage wallet warehouse
  waterfall wedding whale window winter wizard workshop yoga yogurt zebra
`
  .trim()
  .split(/\s+/);

export const TAGS = [
  'work',
  'family',
  'travel',
  'health',
  'finance',
  'code',
  'music',
  'food',
  'ideas',
  'todo',
  'books',
  'home',
] as const;

/** Draws words with Zipf(s) frequencies over the vocabulary in a seeded random rank order. */
class ZipfWords {
  readonly #words: string[];
  readonly #cumulative: number[];
  readonly #random: () => number;

  constructor(seed: number, s = 0.8) {
    this.#random = rng(seed);
    const shuffle = rng(0x5eed);
    this.#words = [...WORDS];
    for (let index = this.#words.length - 1; index > 0; index--) {
      const other = Math.floor(shuffle() * (index + 1));
      [this.#words[index], this.#words[other]] = [this.#words[other] as string, this.#words[index] as string];
    }
    let total = 0;
    this.#cumulative = this.#words.map((_, rank) => (total += 1 / Math.pow(rank + 1, s)));
    this.#cumulative = this.#cumulative.map((value) => value / total);
  }

  word(): string {
    const target = this.#random();
    let low = 0;
    let high = this.#cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.#cumulative[middle] ?? 1) < target) low = middle + 1;
      else high = middle;
    }
    return this.#words[low] as string;
  }

  /** `count` distinct words. */
  distinct(count: number): string[] {
    const chosen = new Set<string>();
    while (chosen.size < count) chosen.add(this.word());
    return [...chosen];
  }

  get random(): () => number {
    return this.#random;
  }
}

export const VOCABULARY_SIZE = WORDS.length;

const between = (random: () => number, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1));

/** A text of `count` words in sentences of 6-14 words. */
function sentenceText(words: ZipfWords, count: number): string {
  const random = words.random;
  const parts: string[] = [];
  let sentence: string[] = [];
  let length = between(random, 6, 14);
  for (let index = 0; index < count; index++) {
    sentence.push(words.word());
    if (sentence.length === length || index === count - 1) {
      const text = sentence.join(' ');
      parts.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
      sentence = [];
      length = between(random, 6, 14);
    }
  }
  return parts.join(' ');
}

export const DAY_MS = 86_400_000;

export interface PassageSpec {
  text: string;
  tags: string[];
  at: Date;
}

/**
 * `count` passages of 20-60 words with 1-3 tags, timestamps spread evenly over the year before `end`
 * (with jitter), oldest first as an agent would have written them.
 */
export function passages(seed: number, count: number, end: Date): PassageSpec[] {
  const words = new ZipfWords(seed);
  const random = words.random;
  const span = 365 * DAY_MS;
  const out: PassageSpec[] = [];
  for (let index = 0; index < count; index++) {
    const tagCount = between(random, 1, 3);
    const tags = new Set<string>();
    while (tags.size < tagCount) tags.add(TAGS[Math.floor(random() * TAGS.length)] as string);
    const at = new Date(end.getTime() - span + (span * (index + random())) / count);
    out.push({ text: sentenceText(words, between(random, 20, 60)), tags: [...tags], at });
  }
  return out;
}

export interface ArchivalQuerySpec {
  query: string;
  tags?: string[];
  tagMatch: 'any' | 'all';
  start?: Date;
  end?: Date;
  /** For the report: which filters the query carries. */
  kind: 'text' | 'tags' | 'dates' | 'tags+dates';
}

/**
 * `count` queries of 2-4 distinct words drawn from the same word distribution as the texts. A quarter carry
 * only a tag filter (one tag, `any`; or two, `all`), a quarter only a date range (30-120 days), a quarter
 * both, a quarter none.
 */
export function archivalQueries(seed: number, count: number, end: Date): ArchivalQuerySpec[] {
  const words = new ZipfWords(seed);
  const random = words.random;
  const out: ArchivalQuerySpec[] = [];
  for (let index = 0; index < count; index++) {
    const query = words.distinct(between(random, 2, 4)).join(' ');
    const kind = (['text', 'tags', 'dates', 'tags+dates'] as const)[index % 4] ?? 'text';
    const spec: ArchivalQuerySpec = { query, tagMatch: 'any', kind };
    if (kind === 'tags' || kind === 'tags+dates') {
      const two = random() < 0.3;
      const first = TAGS[Math.floor(random() * TAGS.length)] as string;
      let second = first;
      while (two && second === first) second = TAGS[Math.floor(random() * TAGS.length)] as string;
      spec.tags = two ? [first, second] : [first];
      spec.tagMatch = two ? 'all' : 'any';
    }
    if (kind === 'dates' || kind === 'tags+dates') {
      const days = between(random, 30, 120);
      const startDay = between(random, days, 365);
      spec.start = new Date(end.getTime() - startDay * DAY_MS);
      spec.end = new Date(spec.start.getTime() + days * DAY_MS);
    }
    out.push(spec);
  }
  return out;
}

export type BenchMessage =
  | { role: 'user'; content: string }
  | {
      role: 'assistant';
      content: string;
      toolCalls?: Array<{ id: string; name: string; arguments: Record<string, unknown> }>;
    }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

const TOOL_NAMES = ['web_search', 'read_file', 'archival_memory_search', 'run_query'];

/**
 * One conversation turn: a user message (8-40 words), then either a plain answer, or an assistant tool call
 * (1-2 calls) with its results (tool output 20-120 words) and the final answer. `label(n)` prefixes every
 * message with a unique marker so the benchmark can find each one again.
 */
export class ConversationGenerator {
  readonly #words: ZipfWords;
  #calls = 0;

  constructor(seed: number) {
    this.#words = new ZipfWords(seed);
  }

  turn(label: () => string): BenchMessage[] {
    const random = this.#words.random;
    const text = (low: number, high: number): string =>
      `${label()} ${sentenceText(this.#words, between(random, low, high))}`;
    const out: BenchMessage[] = [{ role: 'user', content: text(8, 40) }];
    if (random() < 0.4) {
      const calls = Array.from({ length: random() < 0.25 ? 2 : 1 }, () => ({
        id: `call_${++this.#calls}`,
        name: TOOL_NAMES[Math.floor(random() * TOOL_NAMES.length)] as string,
        arguments: { query: this.#words.distinct(3).join(' ') },
      }));
      out.push({ role: 'assistant', content: text(0, 12), toolCalls: calls });
      for (const call of calls)
        out.push({ role: 'tool', toolCallId: call.id, name: call.name, content: text(20, 120) });
    }
    out.push({ role: 'assistant', content: text(10, 60) });
    return out;
  }
}

export interface RecallQuerySpec {
  query: string;
  roles: Array<'user' | 'assistant' | 'tool'>;
  start: Date;
  end: Date;
}

/** `count` recall queries of 2-3 words, each with a role filter and a date range of 7-90 days. */
export function recallQueries(seed: number, count: number, first: Date, last: Date): RecallQuerySpec[] {
  const words = new ZipfWords(seed);
  const random = words.random;
  const span = last.getTime() - first.getTime();
  const roleSets: Array<RecallQuerySpec['roles']> = [
    ['user', 'assistant'],
    ['user'],
    ['assistant'],
    ['tool'],
  ];
  return Array.from({ length: count }, (_, index) => {
    const query = words.distinct(between(random, 2, 3)).join(' ');
    const days = between(random, 7, 90);
    const start = new Date(first.getTime() + random() * Math.max(0, span - days * DAY_MS));
    return {
      query,
      roles: roleSets[index % roleSets.length] ?? ['user', 'assistant'],
      start,
      end: new Date(start.getTime() + days * DAY_MS),
    };
  });
}
