import { cpus } from 'node:os';

/** Prints rows as an aligned table for people reading the benchmark output. */
export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const first = rows[0];
  if (!first) return;
  const headers = Object.keys(first);
  const cells = rows.map((row) => headers.map((header) => formatCell(row[header])));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => row[column]?.length ?? 0)),
  );
  const line = (values: string[]): string =>
    values.map((value, column) => value.padEnd(widths[column] ?? 0)).join('  ');
  console.log(`\n${title}`);
  console.log(line(headers));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of cells) console.log(line(row));
}

function formatCell(value: string | number | undefined): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  return value ?? '';
}

/** The machine facts every benchmark records beside its figures. */
export function machine(): { cores: number; node: string; date: string } {
  return { cores: cpus().length, node: process.versions.node, date: new Date().toISOString().slice(0, 10) };
}

/** The last line of every benchmark: one JSON object with a "bench" key, for scripts and BENCHMARKS.md. */
export function printSummary(bench: string, figures: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench, ...figures, machine: machine() }));
}
