import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import { closedError } from './errors.js';
import {
  closeClient,
  duplicateClient,
  guard,
  LuaScript,
  openClient,
  type RedisClientOptions,
  type RedisConnection,
} from './redis-support.js';
import {
  channelSpec,
  checkChannels,
  decodeMessage,
  defaultOnError,
  Delivery,
  durableSpec,
  encodeMessage,
  replayLimit,
  replayStart,
  timeOfId,
} from './shared.js';
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

// XADD and PUBLISH in one script, so live subscribers see messages in stream order and every live message
// carries its stream id (which is what lets a subscriber switch from replay to live without a gap).
const PUBLISH_DURABLE = new LuaScript(`
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'm', ARGV[2])
redis.call('PUBLISH', ARGV[3], '{"id":"' .. id .. '","m":' .. ARGV[2] .. '}')
return id
`);

const PAGE = 500;

export interface RedisBusOptions<C extends ChannelMap> extends BusOptions<C>, RedisClientOptions {
  /** A client (kept open on close; the bus duplicates it for its subscriber connection) or a URL. */
  redis: RedisConnection;
  /** Prefix of every key and pub/sub channel name (default 'hydra:'). */
  prefix?: string;
}

interface LivePayload {
  id: string;
  at?: number;
  m: unknown;
}

/** A subscription's live messages wait here while it replays or refills a gap from the stream. */
class RedisSubscription {
  private buffer: BusMessage<unknown>[] | undefined;
  /** The stream's newest id when the subscription started: a refill starts here if nothing was delivered. */
  floor: string | undefined;

  constructor(readonly delivery: Delivery<unknown>) {}

  live(message: BusMessage<unknown>): void {
    if (this.buffer) this.buffer.push(message);
    else this.delivery.push(message);
  }

  hold(): void {
    this.buffer ??= [];
  }

  release(): void {
    const buffered = this.buffer ?? [];
    this.buffer = undefined;
    // Delivery drops ids it has already passed, so overlap between the stream and the buffer is harmless.
    for (const message of buffered) this.delivery.push(message);
  }
}

/**
 * The bus on Redis: pub/sub for live delivery, a stream per durable channel (XADD MAXLEN) for replay.
 * Needs a single Redis instance (not Cluster). After the subscriber connection drops and comes back,
 * durable subscriptions read what they missed from the stream; live-only ones just carry on.
 */
export class RedisBus<C extends ChannelMap> implements Bus<C> {
  readonly channels: C;
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly onError: BusErrorHandler;
  private readonly subscriptions = new Map<string, Set<RedisSubscription>>();
  private wasReady = false;
  private closed = false;

  constructor(options: RedisBusOptions<C>) {
    checkChannels(options.channels);
    this.channels = options.channels;
    const opened = openClient(options.redis);
    this.client = opened.client;
    this.owned = opened.owned;
    this.subscriber = duplicateClient(options.redis, this.client);
    this.prefix = options.prefix ?? 'hydra:';
    this.timeoutMs = options.operationTimeoutMs ?? 5_000;
    this.onError = options.onError ?? defaultOnError;
    this.subscriber.on('message', (live: string, payload: string) => this.receive(live, payload));
    this.subscriber.on('ready', () => {
      if (this.wasReady) void this.refillAll();
      this.wasReady = true;
    });
    // Connection errors surface as failed calls; without a listener ioredis would print each retry.
    this.subscriber.on('error', () => undefined);
    if (this.owned) this.client.on('error', () => undefined);
  }

  async publish<K extends ChannelName<C>>(channel: K, message: MessageInput<C, K>): Promise<PublishReceipt> {
    this.ensureOpen();
    const json = encodeMessage(this.channels, channel, message);
    const spec = channelSpec(this.channels, channel);
    const data = { channel };
    if (spec.durable) {
      const id = await guard(
        `publish on "${channel}"`,
        this.timeoutMs,
        () =>
          PUBLISH_DURABLE.run(
            this.client,
            [this.streamKey(channel)],
            [spec.durable?.maxLen ?? 1, json, this.liveKey(channel)],
          ),
        data,
      );
      return { id: String(id), durable: true };
    }
    const id = randomUUID();
    const payload = `{"id":"${id}","at":${Date.now()},"m":${json}}`;
    await guard(
      `publish on "${channel}"`,
      this.timeoutMs,
      () => this.client.publish(this.liveKey(channel), payload),
      data,
    );
    return { id, durable: false };
  }

  async subscribe<K extends ChannelName<C>>(
    channel: K,
    handler: MessageHandler<MessageOf<C, K>>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.ensureOpen();
    const spec = channelSpec(this.channels, channel);
    if (options.replay !== undefined) durableSpec(this.channels, channel);
    const delivery = new Delivery(
      channel,
      spec.durable !== undefined,
      handler as MessageHandler<unknown>,
      this.onError,
    );
    const subscription = new RedisSubscription(delivery);
    if (options.replay !== undefined) subscription.hold();
    let set = this.subscriptions.get(channel);
    const first = !set;
    set ??= new Set();
    set.add(subscription);
    this.subscriptions.set(channel, set);
    const remove = async (): Promise<void> => {
      delivery.close();
      set.delete(subscription);
      if (set.size === 0 && this.subscriptions.get(channel) === set) {
        this.subscriptions.delete(channel);
        if (this.subscriber.status === 'ready') await this.subscriber.unsubscribe(this.liveKey(channel));
      }
    };
    try {
      if (first) {
        await guard(
          `subscribe to "${channel}"`,
          this.timeoutMs,
          () => this.subscriber.subscribe(this.liveKey(channel)),
          {
            channel,
          },
        );
      }
      if (spec.durable) subscription.floor = await this.newestId(channel);
      // Subscribed before reading the stream, so whatever is published meanwhile is buffered, not lost.
      if (options.replay !== undefined) {
        await this.readInto(channel, options.replay, (message) => delivery.push(message));
        subscription.release();
      }
    } catch (error) {
      await remove().catch(() => undefined);
      throw error;
    }
    return {
      channel,
      get delivered() {
        return delivery.delivered;
      },
      close: remove,
    };
  }

  async replay<K extends ChannelName<C>>(
    channel: K,
    options: ReplayOptions = {},
  ): Promise<BusMessage<MessageOf<C, K>>[]> {
    this.ensureOpen();
    durableSpec(this.channels, channel);
    const limit = replayLimit(options);
    const messages: BusMessage<unknown>[] = [];
    await this.readInto(channel, options.from, (message) => messages.push(message), limit);
    return messages as BusMessage<MessageOf<C, K>>[];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const set of this.subscriptions.values()) for (const sub of set) sub.delivery.close();
    this.subscriptions.clear();
    await closeClient(this.subscriber);
    if (this.owned) await closeClient(this.client);
  }

  /** Reads the stream from `from` in pages, oldest first, handing each decoded message to `sink`. */
  private async readInto(
    channel: string,
    from: ReplayFrom | undefined,
    sink: (message: BusMessage<unknown>) => void,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    const start = replayStart(from);
    let cursor = start.after !== undefined ? `(${start.after}` : (start.from ?? '-');
    let taken = 0;
    while (taken < limit) {
      const count = Math.min(PAGE, limit - taken);
      const entries = await guard(
        `replay of "${channel}"`,
        this.timeoutMs,
        () => this.client.xrange(this.streamKey(channel), cursor, '+', 'COUNT', count),
        { channel },
      );
      for (const [id, fields] of entries) {
        const json = fields[fields.indexOf('m') + 1] ?? 'null';
        const data = decodeMessage(this.channels, channel, json, this.onError, id);
        taken += 1;
        if (data !== undefined) sink({ channel, id, data, publishedAt: timeOfId(id), replayed: true });
      }
      const last = entries.at(-1);
      if (!last || entries.length < count) return;
      cursor = `(${last[0]}`;
    }
  }

  /** After a reconnect: durable subscriptions read what was published while the connection was down. */
  private async refillAll(): Promise<void> {
    for (const [channel, set] of this.subscriptions) {
      if (!channelSpec(this.channels, channel).durable) continue;
      for (const subscription of set) {
        const after = subscription.delivery.lastId ?? subscription.floor;
        if (after === undefined) continue;
        subscription.hold();
        try {
          await this.readInto(channel, { afterId: after }, (message) => subscription.delivery.push(message));
        } catch (error) {
          this.onError(error, { channel });
        } finally {
          subscription.release();
        }
      }
    }
  }

  private async newestId(channel: string): Promise<string> {
    const newest = await guard(`subscribe to "${channel}"`, this.timeoutMs, () =>
      this.client.xrevrange(this.streamKey(channel), '+', '-', 'COUNT', 1),
    );
    return newest[0]?.[0] ?? '0-0';
  }

  private receive(live: string, payload: string): void {
    const channel = live.slice(this.liveKey('').length);
    const set = this.subscriptions.get(channel);
    if (!set || set.size === 0) return;
    let parsed: LivePayload;
    try {
      parsed = JSON.parse(payload) as LivePayload;
    } catch (error) {
      this.onError(error, { channel });
      return;
    }
    const json = JSON.stringify(parsed.m);
    const publishedAt = parsed.at === undefined ? timeOfId(parsed.id) : new Date(parsed.at);
    for (const subscription of set) {
      const data = decodeMessage(this.channels, channel, json, this.onError, parsed.id);
      if (data !== undefined)
        subscription.live({ channel, id: parsed.id, data, publishedAt, replayed: false });
    }
  }

  private streamKey(channel: string): string {
    return `${this.prefix}bus:stream:${channel}`;
  }

  private liveKey(channel: string): string {
    return `${this.prefix}bus:live:${channel}`;
  }

  private ensureOpen(): void {
    if (this.closed) throw closedError('bus');
  }
}
