// What both bus implementations share, so they validate, order and report identically.
import { NotFoundError, UserError } from '../../errors/index.js';
import type {
  BusErrorHandler,
  BusMessage,
  ChannelMap,
  ChannelSpec,
  MessageHandler,
  ReplayFrom,
  ReplayOptions,
} from './types.js';

export const DEFAULT_REPLAY_LIMIT = 1_000;
const STREAM_ID = /^(\d+)-(\d+)$/;

export function channelSpec(channels: ChannelMap, channel: string): ChannelSpec {
  const spec = Object.hasOwn(channels, channel) ? channels[channel] : undefined;
  if (!spec) {
    throw new NotFoundError(`No bus channel "${channel}"; declared: ${Object.keys(channels).join(', ')}.`, {
      data: { channel },
    });
  }
  return spec;
}

export function durableSpec(
  channels: ChannelMap,
  channel: string,
): ChannelSpec & { durable: { maxLen: number } } {
  const spec = channelSpec(channels, channel);
  if (!spec.durable) {
    throw new UserError(
      'invalid_input',
      `Bus channel "${channel}" is not durable, so it cannot be replayed.`,
      {
        data: { channel },
      },
    );
  }
  return spec as ChannelSpec & { durable: { maxLen: number } };
}

/** Checks every durable channel's maxLen once, at construction, rather than at the first publish. */
export function checkChannels(channels: ChannelMap): void {
  for (const [channel, spec] of Object.entries(channels)) {
    const maxLen = spec.durable?.maxLen;
    if (maxLen !== undefined && (!Number.isInteger(maxLen) || maxLen < 1)) {
      throw new UserError(
        'invalid_input',
        `Bus channel "${channel}": durable.maxLen must be an integer ≥ 1.`,
        {
          data: { channel, maxLen },
        },
      );
    }
  }
}

/**
 * Validates an outgoing message and returns its JSON text. The error names every offending field so a
 * publisher can fix its message without reading the schema.
 */
export function encodeMessage(channels: ChannelMap, channel: string, message: unknown): string {
  const parsed = channelSpec(channels, channel).schema.safeParse(message);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      field: issue.path.length === 0 ? '(message)' : issue.path.map(String).join('.'),
      message: issue.message,
    }));
    const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
    throw new UserError('invalid_input', `Message refused on bus channel "${channel}": ${summary}`, {
      data: { channel, fields: issues.map((issue) => issue.field), issues },
    });
  }
  const json = JSON.stringify(parsed.data);
  if (json === undefined) {
    throw new UserError('invalid_input', `Message refused on bus channel "${channel}": not JSON.`, {
      data: { channel },
    });
  }
  return json;
}

/** Parses a received message; undefined (after reporting) when it does not match the channel's schema. */
export function decodeMessage(
  channels: ChannelMap,
  channel: string,
  json: string,
  onError: BusErrorHandler,
  id: string,
): unknown {
  try {
    const parsed = channelSpec(channels, channel).schema.safeParse(JSON.parse(json));
    if (parsed.success) return parsed.data;
    onError(
      new UserError('invalid_input', `Dropped a message on bus channel "${channel}" that fails its schema.`, {
        data: { channel, id, issues: parsed.error.issues.map((issue) => issue.message) },
      }),
      { channel, id },
    );
  } catch (error) {
    onError(error, { channel, id });
  }
  return undefined;
}

export function defaultOnError(error: unknown, context: { channel: string; id?: string }): void {
  const detail = error instanceof Error ? error.message : String(error);
  process.emitWarning(`Bus channel "${context.channel}" message ${context.id ?? ''}: ${detail}`, 'HydraBus');
}

function parseId(id: string): [bigint, bigint] | undefined {
  const match = STREAM_ID.exec(id);
  return match ? [BigInt(match[1] ?? '0'), BigInt(match[2] ?? '0')] : undefined;
}

export function checkStreamId(id: string): void {
  if (!parseId(id)) {
    throw new UserError(
      'invalid_input',
      `"${id}" is not a bus message id (<ms>-<seq>, as publish returns).`,
      {
        data: { id },
      },
    );
  }
}

/** Orders two stream ids: negative when a comes first. */
export function compareIds(a: string, b: string): number {
  const [am, as] = parseId(a) ?? [0n, 0n];
  const [bm, bs] = parseId(b) ?? [0n, 0n];
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

export function timeOfId(id: string): Date {
  return new Date(Number(parseId(id)?.[0] ?? 0n));
}

/** The replay window: messages with id > `after`, or id ≥ `from`. */
export function replayStart(from: ReplayFrom | undefined): { after?: string; from?: string } {
  if (from === undefined || from === 'start') return {};
  if ('afterId' in from) {
    checkStreamId(from.afterId);
    return { after: from.afterId };
  }
  const ms = from.since.getTime();
  if (!Number.isFinite(ms)) throw new UserError('invalid_input', 'replay since is an invalid Date.');
  return { from: `${Math.max(0, Math.trunc(ms))}-0` };
}

export function replayLimit(options: ReplayOptions | undefined): number {
  const limit = options?.limit ?? DEFAULT_REPLAY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UserError('invalid_input', 'replay limit must be an integer ≥ 1.', { data: { limit } });
  }
  return limit;
}

/**
 * One subscription's delivery: messages run through the handler one at a time, in arrival order, so a
 * slow async handler never sees two messages at once. On a durable channel it also drops any message not
 * after the last one delivered, which makes replay → live and gap refills free of duplicates.
 */
export class Delivery<T> {
  delivered = 0;
  lastId: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly channel: string,
    private readonly ordered: boolean,
    private readonly handler: MessageHandler<T>,
    private readonly onError: BusErrorHandler,
  ) {}

  push(message: BusMessage<T>): void {
    if (this.closed) return;
    if (this.ordered) {
      if (this.lastId !== undefined && compareIds(message.id, this.lastId) <= 0) return;
      this.lastId = message.id;
    }
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      this.delivered += 1;
      try {
        await this.handler(message);
      } catch (error) {
        this.onError(error, { channel: this.channel, id: message.id });
      }
    });
  }

  close(): void {
    this.closed = true;
  }
}
