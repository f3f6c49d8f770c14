import type { z } from 'zod';

/** How many messages a durable channel keeps: the newest `maxLen` (Redis: XADD MAXLEN, exact). */
export interface DurableOptions {
  maxLen: number;
}

/** A named channel's message type, and whether its messages are kept for replay. */
export interface ChannelSpec<Schema extends z.ZodType = z.ZodType> {
  /**
   * Validates messages at publish, and again on delivery (messages cross processes as JSON). It must
   * therefore accept its own JSON output: plain objects, defaults and coercions do; arbitrary transforms
   * may not.
   */
  schema: Schema;
  /** Keep the newest messages in a stream so a late subscriber can replay them. */
  durable?: DurableOptions;
}

export type ChannelMap = Record<string, ChannelSpec>;

/** Declares a channel: `{ 'task.done': defineChannel(z.object({ id: z.string() }), { durable: { maxLen: 1000 } }) }`. */
export function defineChannel<Schema extends z.ZodType>(
  schema: Schema,
  options: { durable?: DurableOptions } = {},
): ChannelSpec<Schema> {
  return options.durable ? { schema, durable: options.durable } : { schema };
}

export type ChannelName<C extends ChannelMap> = keyof C & string;
/** What a publisher passes (the schema's input). */
export type MessageInput<C extends ChannelMap, K extends keyof C> = z.input<C[K]['schema']>;
/** What a subscriber receives (the schema's output). */
export type MessageOf<C extends ChannelMap, K extends keyof C> = z.output<C[K]['schema']>;

export interface BusMessage<T> {
  channel: string;
  /**
   * On a durable channel the stream id, `<ms>-<seq>`, ordered and usable as `{ afterId }`; on a live-only
   * channel a unique id with no order.
   */
  id: string;
  data: T;
  publishedAt: Date;
  /** True when the message came from the durable stream rather than live delivery. */
  replayed: boolean;
}

/** Where a replay starts: after a message id (exclusive), at a time (inclusive), or at the oldest kept. */
export type ReplayFrom = { afterId: string } | { since: Date } | 'start';

export interface ReplayOptions {
  /** Default 'start'. */
  from?: ReplayFrom;
  /** At most this many messages, oldest first (default 1,000). */
  limit?: number;
}

export interface PublishReceipt {
  id: string;
  /** True when the message was written to the channel's durable stream before publish resolved. */
  durable: boolean;
}

export type MessageHandler<T> = (message: BusMessage<T>) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Durable channels only: first deliver the kept messages from this point, then live ones, with no gap
   * and no duplicate between the two.
   */
  replay?: ReplayFrom;
}

export interface Subscription {
  readonly channel: string;
  /** Messages handed to the handler so far. */
  readonly delivered: number;
  /** Stops delivery; messages already queued for the handler are dropped. */
  close(): Promise<void>;
}

/** Called when a handler throws or a received message fails its schema; the message is not redelivered. */
export type BusErrorHandler = (error: unknown, context: { channel: string; id?: string }) => void;

/**
 * Publish/subscribe on named channels with typed JSON messages.
 *
 * Live delivery is at most once: a message reaches the subscribers listening when it is published, in
 * publish order per publisher, and a handler that throws does not get it again. Durable channels also keep
 * their newest messages in a stream, which `replay` and `subscribe({ replay })` read; on Redis a durable
 * subscription also fills, from the stream, any gap a lost connection left.
 */
export interface Bus<C extends ChannelMap> {
  readonly channels: C;
  /** Validates and publishes; a message that fails the channel's schema is refused with 'invalid_input'. */
  publish<K extends ChannelName<C>>(channel: K, message: MessageInput<C, K>): Promise<PublishReceipt>;
  subscribe<K extends ChannelName<C>>(
    channel: K,
    handler: MessageHandler<MessageOf<C, K>>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** The kept messages of a durable channel, oldest first. */
  replay<K extends ChannelName<C>>(
    channel: K,
    options?: ReplayOptions,
  ): Promise<BusMessage<MessageOf<C, K>>[]>;
  close(): Promise<void>;
}

export interface BusOptions<C extends ChannelMap> {
  channels: C;
  /** Default: a process warning naming the channel. */
  onError?: BusErrorHandler;
}
