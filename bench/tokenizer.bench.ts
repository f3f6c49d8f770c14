/**
 * How far off is Hydra's token count for models whose tokenizer js-tiktoken does not ship?
 * This compares the encodings Hydra can use (o200k_base, and cl100k_base, which it picks for Llama 3) with
 * the real Llama 3 tokenizer (llama3-tokenizer-js) on prose, code and JSON from this repository, side by
 * side, and times the counting itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import llama3Tokenizer from 'llama3-tokenizer-js';

import { createTokenizer } from '../src/models/index.js';
import { printSummary, printTable } from './lib/report.js';

const root = new URL('..', import.meta.url).pathname;

function collect(dir: string, extensions: string[], out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, extensions, out);
    else if (extensions.some((extension) => name.endsWith(extension))) out.push(path);
  }
  return out;
}

const samples = [
  ...collect(join(root, 'docs'), ['.md']).map((path) => ({ kind: 'prose', path })),
  ...collect(join(root, 'src'), ['.ts']).map((path) => ({ kind: 'code', path })),
  { kind: 'json', path: join(root, 'package.json') },
  { kind: 'json', path: join(root, 'tsconfig.json') },
].map(({ kind, path }) => ({ kind, name: relative(root, path), text: readFileSync(path, 'utf8') }));

const o200k = createTokenizer('o200k_base', false);
const cl100k = createTokenizer('cl100k_base', false);
o200k.count('warm up');
cl100k.count('warm up');

interface Measured {
  kind: string;
  llama3: number;
  o200k: number;
  cl100k: number;
}
const measured: Measured[] = samples.map(({ kind, text }) => ({
  kind,
  llama3: llama3Tokenizer.encode(text, { bos: false, eos: false }).length,
  o200k: o200k.count(text),
  cl100k: cl100k.count(text),
}));

function errorStats(
  rows: Measured[],
  pick: (row: Measured) => number,
): { total: number; meanAbs: number; worstUnder: number } {
  const totalReal = rows.reduce((sum, row) => sum + row.llama3, 0);
  const totalEstimate = rows.reduce((sum, row) => sum + pick(row), 0);
  const errors = rows.map((row) => (pick(row) - row.llama3) / row.llama3);
  return {
    total: (totalEstimate - totalReal) / totalReal,
    meanAbs: errors.reduce((sum, error) => sum + Math.abs(error), 0) / Math.max(1, errors.length),
    worstUnder: Math.min(0, ...errors),
  };
}

const table: Array<Record<string, string | number>> = [];
for (const kind of ['prose', 'code', 'json', 'all']) {
  const rows = kind === 'all' ? measured : measured.filter((row) => row.kind === kind);
  if (rows.length === 0) continue;
  const o = errorStats(rows, (row) => row.o200k);
  const c = errorStats(rows, (row) => row.cl100k);
  table.push({
    kind,
    files: rows.length,
    'llama3 tokens': rows.reduce((sum, row) => sum + row.llama3, 0),
    'o200k total err %': o.total * 100,
    'o200k mean |err| %': o.meanAbs * 100,
    'o200k worst under %': o.worstUnder * 100,
    'cl100k total err %': c.total * 100,
    'cl100k mean |err| %': c.meanAbs * 100,
    'cl100k worst under %': c.worstUnder * 100,
  });
}
printTable(
  'Approximate encodings vs the real Llama 3 tokenizer (error of the estimate, % of true count)',
  table,
);

const corpus = samples.map((sample) => sample.text).join('\n');
const started = performance.now();
const rounds = 5;
let tokens = 0;
for (let round = 0; round < rounds; round++) tokens += o200k.count(corpus);
const seconds = (performance.now() - started) / 1000;
const tokensPerSecond = tokens / seconds;
printTable('Counting speed (o200k_base, js-tiktoken)', [
  { 'corpus tokens': tokens / rounds, rounds, 'tokens/s': Math.round(tokensPerSecond) },
]);

const all = errorStats(measured, (row) => row.o200k);
const llamaChoice = errorStats(measured, (row) => row.cl100k);
printSummary('tokenizer', {
  reference: 'llama3-tokenizer-js',
  files: measured.length,
  llama3ChoiceEncoding: 'cl100k_base',
  llama3ChoiceMeanAbsErrorPct: Number((llamaChoice.meanAbs * 100).toFixed(2)),
  llama3ChoiceWorstUnderestimatePct: Number((llamaChoice.worstUnder * 100).toFixed(2)),
  o200kTotalErrorPct: Number((all.total * 100).toFixed(2)),
  o200kMeanAbsErrorPct: Number((all.meanAbs * 100).toFixed(2)),
  o200kWorstUnderestimatePct: Number((all.worstUnder * 100).toFixed(2)),
  countTokensPerSecond: Math.round(tokensPerSecond),
});
