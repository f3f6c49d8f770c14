/**
 * What a program run gives back to the model: its logs and its result, capped. The host keeps a bounded
 * head and tail of the logs while the program runs (so a program that logs in a loop cannot fill the host's
 * memory), and the final text is cut to the output cap with a note that says what was left out.
 */

/** Console lines of one run, bounded: the first half of the budget keeps the head, the second the tail. */
export class LogBuffer {
  private readonly head: string[] = [];
  private readonly tail: string[] = [];
  private headChars = 0;
  private tailChars = 0;
  private omitted = 0;

  constructor(private readonly capChars: number) {}

  push(level: string, text: string): void {
    const half = Math.max(1, Math.floor(this.capChars / 2));
    let line = level === 'log' || level === 'info' ? text : `[${level}] ${text}`;
    if (line.length > half) {
      this.omitted += line.length - half;
      line = `${line.slice(0, half)}…`;
    }
    if (this.tail.length === 0 && this.headChars + line.length <= half) {
      this.head.push(line);
      this.headChars += line.length;
      return;
    }
    this.tail.push(line);
    this.tailChars += line.length;
    while (this.tailChars > half && this.tail.length > 1) {
      const dropped = this.tail.shift() ?? '';
      this.tailChars -= dropped.length;
      this.omitted += dropped.length;
    }
  }

  /** Characters of log text dropped so far. */
  get omittedChars(): number {
    return this.omitted;
  }

  lines(): string[] {
    if (this.omitted === 0) return [...this.head, ...this.tail];
    return [...this.head, `… ${this.omitted} characters of logs omitted …`, ...this.tail];
  }
}

/** What execute_code and run_skill return: logs, the result, and a note when something was cut. */
export interface CodeOutput {
  /** The console output, one line per call. */
  logs: string;
  /** The returned value; when its JSON did not fit, a string with the start of that JSON. */
  result?: unknown;
  /** Present when logs or the result were cut to fit the output cap. */
  note?: string;
}

/** Cuts a string to about `max` characters, keeping its head and tail around a marker. */
export function middleCut(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = `\n… ${text.length - max} characters omitted …\n`;
  const keep = Math.max(0, max - marker.length);
  const headLength = Math.ceil(keep / 2);
  return `${text.slice(0, headLength)}${marker}${text.slice(text.length - (keep - headLength))}`;
}

/**
 * Builds the output for the model so that `JSON.stringify(output).length <= maxChars` (for a cap of at least
 * a few hundred characters). The result keeps at least half of the budget when the logs are long; the
 * logs keep their head and tail.
 */
export function formatOutput(
  logLines: string[],
  resultJson: string | undefined,
  maxChars: number,
): CodeOutput {
  const logs = logLines.join('\n');
  const output = (logText: string, result: string | undefined, note?: string): CodeOutput => ({
    logs: logText,
    ...(result === undefined ? {} : { result: JSON.parse(result) as unknown }),
    ...(note === undefined ? {} : { note }),
  });
  const whole = output(logs, resultJson);
  if (JSON.stringify(whole).length <= maxChars) return whole;

  // Budgets in characters of escaped JSON, shrunk until the whole object fits.
  const overhead = 200;
  let budget = Math.max(0, maxChars - overhead);
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const resultLength = resultJson?.length ?? 0;
    const resultBudget = Math.min(resultLength, Math.max(Math.floor(budget / 2), budget - logs.length));
    const logBudget = Math.max(0, budget - resultBudget);
    const cutLogs = middleCut(logs, logBudget);
    const resultFits = resultJson === undefined || resultJson.length <= resultBudget;
    const notes: string[] = [];
    if (cutLogs !== logs) notes.push(`logs cut from ${logs.length} to ${cutLogs.length} characters`);
    if (!resultFits) notes.push(`result cut: its JSON has ${resultLength} characters`);
    const note = `Output truncated to fit ${maxChars} characters (${notes.join('; ')}). Log less, or return less: filter, count or slice in the program.`;
    const candidate: CodeOutput = {
      logs: cutLogs,
      ...(resultJson === undefined
        ? {}
        : {
            result: resultFits
              ? (JSON.parse(resultJson) as unknown)
              : `${resultJson.slice(0, resultBudget)}…`,
          }),
      note,
    };
    const length = JSON.stringify(candidate).length;
    if (length <= maxChars) return candidate;
    budget = Math.max(0, budget - (length - maxChars) - 16);
  }
  return {
    logs: '',
    note: `Output truncated: it did not fit ${maxChars} characters. Log less, or return less.`,
  };
}
