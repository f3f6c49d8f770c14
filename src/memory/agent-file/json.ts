/** Decoding an Agent File's text (including files whose JSON is a string wrapping the JSON) and timestamps. */
import { invalidAt } from './errors.js';

/** How many times a file may wrap its JSON in a JSON string (Letta's examples do it once). */
const MAX_WRAPS = 2;

/**
 * Text (a string, or UTF-8 bytes) → JSON value. A string result is a wrapped file: it is decoded again, at
 * most {@link MAX_WRAPS} times. Any other value is taken to be parsed JSON already.
 */
export function decodeAgentFileJson(input: unknown): unknown {
  const text = input instanceof Uint8Array ? new TextDecoder().decode(input) : input;
  if (typeof text !== 'string') return text;
  let value = parseJson(text.replace(/^\uFEFF/, ''), 'the file is not valid JSON');
  for (let wraps = 1; typeof value === 'string'; wraps++) {
    if (wraps > MAX_WRAPS) {
      throw invalidAt(
        [],
        `expected a JSON object, found JSON text wrapped in a string more than ${MAX_WRAPS} times`,
      );
    }
    value = parseJson(
      value,
      `the file is a JSON string (wrap ${wraps}), but the text it wraps is not valid JSON`,
    );
  }
  return value;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidAt([], `${what}: ${reason}`);
  }
}

/** `JSON.parse` that reports failure as `undefined` instead of throwing. */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2})?(?:\.(\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * ISO 8601 as Letta writes it (`2025-10-31T22:56:56.459100+00:00`, and naive `2025-04-01T03:47:27.49` in
 * legacy files, which are UTC). Sub-millisecond digits are dropped. `undefined` when it is not a timestamp.
 */
export function parseTimestamp(text: string): Date | undefined {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return undefined;
  const [, date, hoursMinutes = '00:00', seconds = ':00', fraction = '', zone = 'Z'] = match;
  const millis = fraction === '' ? '' : `.${fraction.slice(0, 3).padEnd(3, '0')}`;
  const offset = /^[+-]\d{2}$/.test(zone) ? `${zone}:00` : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const result = new Date(`${date}T${hoursMinutes}${seconds}${millis}${offset.toUpperCase()}`);
  return Number.isNaN(result.getTime()) ? undefined : result;
}

/** Plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
