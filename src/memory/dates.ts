import { UserError } from '../errors/index.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses a date bound given by a model or a user: `YYYY-MM-DD` or an ISO date-time. Bounds are inclusive;
 * a date-only end bound covers the whole day.
 */
export function parseDateBound(
  value: string | undefined,
  bound: 'start' | 'end',
  field: string,
): Date | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  const date = DATE_ONLY.test(text)
    ? new Date(`${text}T${bound === 'start' ? '00:00:00.000' : '23:59:59.999'}Z`)
    : new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new UserError(
      'invalid_input',
      `${field} "${value}" is not a date; use YYYY-MM-DD or an ISO date-time such as 2026-01-31T14:00.`,
      {
        data: { field },
      },
    );
  }
  return date;
}

/** "3d ago", "5m ago": how long before `now` a moment was, for search results the model reads. */
export function timeAgo(moment: Date, now = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - moment.getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
