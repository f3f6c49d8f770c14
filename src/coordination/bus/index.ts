/**
 * The coordination bus: publish/subscribe on named channels with zod-typed JSON messages, at-most-once live
 * delivery and optional durable streams for replay. In process (default) or on Redis. See
 * docs/coordination-bus-queue.md. Any export added here becomes public API.
 * @module
 */
export {
  defineChannel,
  type Bus,
  type BusErrorHandler,
  type BusMessage,
  type BusOptions,
  type ChannelMap,
  type ChannelName,
  type ChannelSpec,
  type DurableOptions,
  type MessageHandler,
  type MessageInput,
  type MessageOf,
  type PublishReceipt,
  type ReplayFrom,
  type ReplayOptions,
  type SubscribeOptions,
  type Subscription,
} from './types.js';
export { InProcessBus, type InProcessBusOptions } from './in-process.js';
export { RedisBus, type RedisBusOptions } from './redis.js';
export { CoordinationError, type CoordinationErrorReason } from './errors.js';
export type { RedisClientOptions, RedisConnection } from './redis-support.js';
