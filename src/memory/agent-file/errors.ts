/** JSON paths and the `invalid_input` errors of the Agent File reader and writer. */
import type { z } from 'zod';

import { UserError } from '../../errors/index.js';

export type JsonPath = ReadonlyArray<PropertyKey>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['agents', 0, 'messages']` → `$.agents[0].messages`. */
export function formatPath(path: JsonPath): string {
  let out = '$';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      out += IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

export interface Problem {
  /** Formatted JSON path, `$...`. */
  path: string;
  /** What was expected and what was found. */
  problem: string;
}

const MAX_LISTED = 20;

/**
 * The error for an invalid file or bundle: `data.path` is the JSON path of the first problem,
 * `data.problems` lists up to 20 of them.
 */
export function invalidInput(problems: readonly Problem[], subject = 'Agent File'): UserError {
  const first = problems[0] ?? { path: '$', problem: 'invalid' };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new UserError('invalid_input', `Invalid ${subject} at ${first.path}: ${first.problem}${more}`, {
    data: { path: first.path, problem: first.problem, problems: problems.slice(0, MAX_LISTED) },
  });
}

/** One problem at one path. */
export function invalidAt(path: JsonPath, problem: string, subject?: string): UserError {
  return invalidInput([{ path: formatPath(path), problem }], subject);
}

/** Rewrites a formatted path, e.g. from the synthesised current-format document back to a legacy file. */
export type PathMap = (path: string) => string;

const samePath: PathMap = (path) => path;

/** Turns zod issues into problems with JSON paths. */
export function zodProblems(issues: readonly z.core.$ZodIssue[], mapPath: PathMap = samePath): Problem[] {
  return issues.map((issue) => ({
    path: mapPath(formatPath(issue.path)),
    problem: describeIssue(issue.message),
  }));
}

/** `Invalid input: expected string, received undefined` → `expected string, but it is missing`. */
function describeIssue(message: string): string {
  const text = message.replace(/^Invalid input: /, '').replace(/\bexpected record\b/, 'expected object');
  const missing = /^(expected .+), received undefined$/.exec(text);
  return missing ? `${missing[1]}, but it is missing` : text;
}

/** Collects problems during a pass over a document, so all of them are reported at once. */
export class Problems {
  readonly list: Problem[] = [];

  constructor(private readonly mapPath: PathMap = samePath) {}

  add(path: JsonPath, problem: string): void {
    this.list.push({ path: this.mapPath(formatPath(path)), problem });
  }

  throwIfAny(subject?: string): void {
    if (this.list.length > 0) throw invalidInput(this.list, subject);
  }
}
