import { randomUUID } from 'node:crypto';

import {
  checkChannels,
  compareIds,
  decodeMessage,
  defaultOnError,
  Delivery,
  durableSpec,
  encodeMessage,
  channelSpec,
  replayLimit,
  replayStart,
  timeOfId,
} from './shared.js';
import { closedError } from './errors.js';
import type {
  Bus,
  BusErrorHandler,
  BusMessage,
  BusOptions,
  ChannelMap,
  ChannelName,
  MessageHandler,
  MessageInput,
  MessageOf,
  PublishReceipt,
  ReplayFrom,
  ReplayOptions,
  SubscribeOptions,
  Subscription,
} from './types.js';

interface Entry {
  id: string;
  json: string;
}

export interface InProcessBusOptions<C extends ChannelMap> extends BusOptions<C> {
  /** Milliseconds since the epoch, for message ids and times (default `Date.now`). */
  now?: () => number;
}

/**
 * The default bus: channels in this process's memory. Messages still go through JSON and the schema on
 * both sides, so code that works here behaves the same on RedisBus.
 */
export class InProcessBus<C extends ChannelMap> implements Bus<C> {
  readonly channels: C;
  private readonly onError: BusErrorHandler;
  private readonly now: () => number;
  private readonly streams = new Map<string, Entry[]>();
  private readonly subscribers = new Map<string, Set<Delivery<unknown>>>();
  private lastMs = 0;
  private seq = 0;
  private closed = false;

  constructor(options: InProcessBusOptions<C>) {
    checkChannels(options.channels);
    this.channels = options.channels;
    this.onError = options.onError ?? defaultOnError;
    this.now = options.now ?? Date.now;
  }

  async publish<K extends ChannelName<C>>(channel: K, message: MessageInput<C, K>): Promise<PublishReceipt> {
    this.ensureOpen();
    const json = encodeMessage(this.channels, channel, message);
    const spec = channelSpec(this.channels, channel);
    let id: string;
    if (spec.durable) {
      id = this.nextId();
      const stream = this.streams.get(channel) ?? [];
      stream.push({ id, json });
      if (stream.length > spec.durable.maxLen) stream.splice(0, stream.length - spec.durable.maxLen);
      this.streams.set(channel, stream);
    } else {
      id = randomUUID();
    }
    const publishedAt = spec.durable ? timeOfId(id) : new Date(this.now());
    for (const delivery of this.subscribers.get(channel) ?? []) {
      const data = decodeMessage(this.channels, channel, json, this.onError, id);
      if (data !== undefined) delivery.push({ channel, id, data, publishedAt, replayed: false });
    }
    return { id, durable: spec.durable !== undefined };
  }

  async subscribe<K extends ChannelName<C>>(
    channel: K,
    handler: MessageHandler<MessageOf<C, K>>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.ensureOpen();
    const spec = channelSpec(this.channels, channel);
    const delivery = new Delivery(channel, spec.durable !== undefined, handler, this.onError);
    // Single-threaded: the replayed history and the live registration happen with nothing in between.
    if (options.replay !== undefined) {
      for (const message of this.read(channel, options.replay, Number.POSITIVE_INFINITY)) {
        delivery.push(message as BusMessage<MessageOf<C, K>>);
      }
    }
    const set = this.subscribers.get(channel) ?? new Set();
    set.add(delivery as Delivery<unknown>);
    this.subscribers.set(channel, set);
    return {
      channel,
      get delivered() {
        return delivery.delivered;
      },
      close: async () => {
        delivery.close();
        set.delete(delivery as Delivery<unknown>);
      },
    };
  }

  async replay<K extends ChannelName<C>>(
    channel: K,
    options: ReplayOptions = {},
  ): Promise<BusMessage<MessageOf<C, K>>[]> {
    this.ensureOpen();
    return this.read(channel, options.from, replayLimit(options)) as BusMessage<MessageOf<C, K>>[];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.subscribers.values()) for (const delivery of set) delivery.close();
    this.subscribers.clear();
  }

  private read(channel: string, from: ReplayFrom | undefined, limit: number): BusMessage<unknown>[] {
    durableSpec(this.channels, channel);
    const start = replayStart(from);
    const messages: BusMessage<unknown>[] = [];
    for (const entry of this.streams.get(channel) ?? []) {
      if (messages.length >= limit) break;
      if (start.after !== undefined && compareIds(entry.id, start.after) <= 0) continue;
      if (start.from !== undefined && compareIds(entry.id, start.from) < 0) continue;
      const data = decodeMessage(this.channels, channel, entry.json, this.onError, entry.id);
      if (data === undefined) continue;
      messages.push({ channel, id: entry.id, data, publishedAt: timeOfId(entry.id), replayed: true });
    }
    return messages;
  }

  /** Redis stream ids: `<ms>-<seq>`, strictly increasing even when the clock stands still or goes back. */
  private nextId(): string {
    const ms = Math.trunc(this.now());
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.seq = 0;
    } else {
      this.seq += 1;
    }
    return `${this.lastMs}-${this.seq}`;
  }

  private ensureOpen(): void {
    if (this.closed) throw closedError('bus');
  }
}
