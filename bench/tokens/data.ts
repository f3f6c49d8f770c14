/**
 * The seeded workspace the filesystem MCP server serves: 200 log files (some containing the pattern), a
 * long design document and a 5,000-row CSV. Everything is a pure function of the seed; the ground truth
 * each task is checked against is computed here from the generated data, independently of either mode.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Tokenizer } from '../../src/models/index.js';

import { seededRandom as rng } from '../../src/testing/index.js';

export { rng };

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;
const int = (random: () => number, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1));

export const PATTERN = 'ERR_LEDGER_MISMATCH';
export const FILE_COUNT = 200;
export const CSV_ROWS = 5_000;
export const CSV_COLUMN = 'amount';
export const DOC_TARGET_TOKENS = 40_000;

export interface Workspace {
  root: string;
  corpusDir: string;
  docPath: string;
  csvPath: string;
  outDir: string;
  summaryPath: string;
  copyPath: string;
  /** Ground truth, from the generator. */
  truth: { matchingFiles: string[]; totalCents: number; docText: string; docTokens: number };
  sizes: { corpusBytes: number; corpusTokens: number; docBytes: number; csvBytes: number; csvTokens: number };
}

// ---------------------------------------------------------------- task 1: 200 log files

const SERVICES = ['billing', 'ledger', 'payments', 'invoices', 'refunds', 'accounts', 'reports', 'exports'];
const LEVELS = ['INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'WARN'];
const EVENTS: Array<(random: () => number) => string> = [
  (r) => `settled batch ${int(r, 10000, 99999)} (${int(r, 1, 400)} items) in ${int(r, 20, 900)} ms`,
  (r) => `request ${int(r, 100000, 999999)} from tenant t-${int(r, 100, 999)} completed with status 200`,
  (r) => `cache hit ratio ${int(r, 60, 99)}% over the last ${int(r, 1, 15)} minutes`,
  (r) => `retrying upstream call to ${pick(r, SERVICES)}-api (attempt ${int(r, 1, 3)} of 3)`,
  (r) => `flushed ${int(r, 1, 90)} journal entries to segment ${int(r, 1000, 9999)}`,
  (r) => `ERR_LEDGER_TIMEOUT waiting ${int(r, 1, 30)} s for lock on account ${int(r, 10000, 99999)}`,
  (r) =>
    `reconciled ${int(r, 100, 5000)} postings; drift ${int(r, 0, 9)}.${int(r, 10, 99)} EUR within tolerance`,
  (r) => `worker ${int(r, 1, 16)} heartbeat ok, queue depth ${int(r, 0, 250)}`,
];

function logFile(random: () => number, service: string, withPattern: boolean): string {
  const lines: string[] = [];
  const count = int(random, 6, 10);
  const hit = withPattern ? int(random, 0, count - 1) : -1;
  let second = int(random, 0, 3000);
  for (let index = 0; index < count; index++) {
    second += int(random, 1, 40);
    const time = `2026-05-14T${String(8 + Math.floor(second / 3600)).padStart(2, '0')}:${String(
      Math.floor((second % 3600) / 60),
    ).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}Z`;
    const event =
      index === hit
        ? `${PATTERN} posting ${int(random, 100000, 999999)} debit ${int(random, 1, 9999)}.${int(random, 10, 99)} != credit ${int(random, 1, 9999)}.${int(random, 10, 99)}`
        : pick(random, EVENTS)(random);
    const level = index === hit ? 'ERROR' : pick(random, LEVELS);
    lines.push(`${time} ${level.padEnd(5)} ${service}-worker-${int(random, 1, 8)} ${event}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- task 2: a long document

const NOUNS =
  `account adapter archive backlog balance batch budget cache capacity catalog change client cluster
  contract cost customer dashboard database deadline dependency deployment design document engineer estimate
  failure feature forecast gateway incident index invoice journal latency ledger limit load market metric
  migration milestone model network operator outage owner partner payment pipeline platform policy posting
  process product queue quota rate record region release report request risk rollout schedule schema
  service session shard snapshot storage supplier system table team tenant test threshold ticket timeline
  traffic transaction upgrade user vendor version volume warehouse workflow workload`
    .trim()
    .split(/\s+/);
const ADJECTIVES = `available careful central consistent critical current daily detailed early expensive
  external final frequent gradual important independent initial internal large legacy manual monthly new
  nightly old optional partial previous primary regional reliable remaining safe separate shared short
  significant simple single slow small stable steady strict temporary typical weekly`
  .trim()
  .split(/\s+/);
const VERBS = `adds affects avoids blocks changes checks confirms covers delays doubles explains handles
  improves includes increases keeps limits lowers measures moves needs protects reduces removes replaces
  requires resolves reviews runs shows simplifies splits supports tracks updates validates`
  .trim()
  .split(/\s+/);
const OPENERS = [
  'In practice,',
  'As a result,',
  'For this reason,',
  'During the review,',
  'In the first phase,',
  'At the same time,',
  'According to the last audit,',
  'Compared with last year,',
  'Without further changes,',
  'Over the next quarter,',
];
const HEADINGS = [
  'Background',
  'Goals and Non-Goals',
  'Current Architecture',
  'Ledger Data Model',
  'Posting Pipeline',
  'Reconciliation',
  'Storage Layout',
  'Sharding Plan',
  'Migration Strategy',
  'Dual Writes',
  'Backfill',
  'Cutover',
  'Rollback Plan',
  'Capacity Planning',
  'Latency Budget',
  'Failure Modes',
  'Observability',
  'Security Review',
  'Compliance',
  'Cost Estimate',
  'Team and Ownership',
  'Timeline',
  'Open Questions',
  'Appendix: Glossary',
];

const article = (word: string): string => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;

function sentence(random: () => number): string {
  const noun = (): string => pick(random, NOUNS);
  const adjective = (): string => pick(random, ADJECTIVES);
  const forms = [
    () => `the ${adjective()} ${noun()} ${pick(random, VERBS)} the ${noun()} ${noun()} for every ${noun()}`,
    () =>
      `each ${noun()} ${pick(random, VERBS)} ${article(adjective())} ${noun()} before the ${noun()} is ${pick(random, ['closed', 'merged', 'approved', 'replayed', 'archived'])}`,
    () =>
      `we expect the ${noun()} ${noun()} to stay below ${int(random, 2, 95)} percent of the ${adjective()} ${noun()}`,
    () =>
      `the ${noun()} team ${pick(random, VERBS)} the ${noun()} and the ${adjective()} ${noun()} in ${pick(random, ['two', 'three', 'four', 'five'])} steps`,
    () =>
      `${article(adjective())} ${noun()} ${pick(random, VERBS)} ${int(random, 2, 900)} ${noun()}s per ${pick(random, ['second', 'minute', 'hour', 'day'])}`,
  ];
  let text = pick(random, forms)();
  if (random() < 0.35) text = `${pick(random, OPENERS)} ${text}`;
  if (random() < 0.3) text += `, which ${pick(random, VERBS)} the ${noun()} ${noun()}`;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function paragraph(random: () => number): string {
  return Array.from({ length: int(random, 4, 7) }, () => sentence(random)).join(' ');
}

export const DOC_TITLE = 'Ledger Platform Migration: Design Review';

function document(random: () => number, tokenizer: Tokenizer, target: number): string {
  const parts = [`# ${DOC_TITLE}`, '', paragraph(random), ''];
  let tokens = tokenizer.count(parts.join('\n'));
  // Sections in order; paragraphs go round-robin into the sections until the target is reached.
  const sections: string[][] = HEADINGS.map(() => []);
  let index = 0;
  while (tokens < target) {
    const text = paragraph(random);
    (sections[index % sections.length] as string[]).push(text);
    tokens += tokenizer.count(text) + 1;
    index++;
  }
  HEADINGS.forEach((heading, at) => {
    parts.push(`## ${at + 1}. ${heading}`, '');
    for (const text of sections[at] as string[]) parts.push(text, '');
  });
  return parts.join('\n');
}

/**
 * The summary line a model writes for the document. It has to be something both modes can produce
 * exactly, so it is extractive: title, number of sections, first and last section, and the opening
 * sentence. The direct-mode stand-in computes it from the document text it read; the code-mode program
 * computes it in the sandbox with its own JavaScript. Same rule, two implementations.
 */
export function summaryLine(doc: string): string {
  const lines = doc.split('\n');
  const title = (lines.find((line) => line.startsWith('# ')) ?? '').slice(2);
  const headings = lines.filter((line) => line.startsWith('## ')).map((line) => line.slice(3));
  const opening = lines.find((line) => line.trim() !== '' && !line.startsWith('#')) ?? '';
  const first = opening.slice(0, opening.indexOf('. ') + 1 || opening.length);
  return `Summary: "${title}", ${headings.length} sections (${headings[0]} ... ${headings.at(-1)}). ${first}`;
}

// ---------------------------------------------------------------- task 3: a 5,000-row CSV

const REGIONS = ['north', 'south', 'east', 'west', 'central'];

function csv(random: () => number): { text: string; totalCents: number } {
  const rows = ['order_id,date,region,amount'];
  let totalCents = 0;
  for (let index = 0; index < CSV_ROWS; index++) {
    const cents = int(random, 150, 250_000);
    totalCents += cents;
    const day = `2026-${String(int(random, 1, 12)).padStart(2, '0')}-${String(int(random, 1, 28)).padStart(2, '0')}`;
    rows.push(`${100_000 + index},${day},${pick(random, REGIONS)},${formatCents(cents)}`);
  }
  return { text: `${rows.join('\n')}\n`, totalCents };
}

/** Fills `root` with the three tasks' files and returns the paths and the ground truth. */
export function createWorkspace(
  root: string,
  tokenizer: Tokenizer,
  options: { seed?: number; docTokens?: number } = {},
): Workspace {
  const random = rng(options.seed ?? 20261122);
  const corpusDir = join(root, 'logs');
  const outDir = join(root, 'out');
  mkdirSync(corpusDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });

  const matchingFiles: string[] = [];
  let corpusBytes = 0;
  let corpusTokens = 0;
  for (let index = 1; index <= FILE_COUNT; index++) {
    const service = pick(random, SERVICES);
    const name = `${service}-${String(index).padStart(3, '0')}.log`;
    const withPattern = random() < 0.06 || index === 137;
    const text = logFile(random, service, withPattern);
    if (withPattern) matchingFiles.push(name);
    writeFileSync(join(corpusDir, name), text);
    corpusBytes += Buffer.byteLength(text);
    corpusTokens += tokenizer.count(text);
  }

  const docText = document(random, tokenizer, options.docTokens ?? DOC_TARGET_TOKENS);
  const docPath = join(root, 'design-review.md');
  writeFileSync(docPath, docText);

  const table = csv(random);
  const csvPath = join(root, 'orders.csv');
  writeFileSync(csvPath, table.text);

  return {
    root,
    corpusDir,
    docPath,
    csvPath,
    outDir,
    summaryPath: join(outDir, 'summary.txt'),
    copyPath: join(outDir, 'design-review-copy.md'),
    truth: {
      matchingFiles: matchingFiles.sort(),
      totalCents: table.totalCents,
      docText,
      docTokens: tokenizer.count(docText),
    },
    sizes: {
      corpusBytes,
      corpusTokens,
      docBytes: Buffer.byteLength(docText),
      csvBytes: Buffer.byteLength(table.text),
      csvTokens: tokenizer.count(table.text),
    },
  };
}

/** Cents as the decimal string both modes report, e.g. 123456 → "1234.56". */
export function formatCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
