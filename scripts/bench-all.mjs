#!/usr/bin/env node
// Runs every `bench:<name>` script in package.json in turn, then repeats each one's JSON summary line,
// so `npm run bench` gives one place to read all the figures. Exits non-zero if any benchmark failed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const names = Object.keys(scripts).filter((name) => name.startsWith('bench:'));
const summaries = [];
let failed = 0;

for (const name of names) {
  process.stderr.write(`\n=== npm run ${name} ===\n`);
  const result = spawnSync('npm', ['run', '-s', name], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(result.stdout);
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`${name} failed with exit code ${result.status}\n`);
  } else if (last.startsWith('{') && last.includes('"bench"')) {
    summaries.push(last);
  } else {
    failed++;
    process.stderr.write(`${name} did not end with a JSON summary line\n`);
  }
}

process.stderr.write(`\n=== summaries (${summaries.length}/${names.length}) ===\n`);
for (const line of summaries) process.stdout.write(`${line}\n`);
process.exitCode = failed > 0 ? 1 : 0;
