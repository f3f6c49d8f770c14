import { createHash } from 'node:crypto';

import { Redis } from 'ioredis';

import { HydraError } from '../../errors/index.js';
import { CoordinationError } from './errors.js';

/** A Redis client, or the URL to create one from (then the bus or queue owns and closes it). */
export type RedisConnection = Redis | string;

export interface RedisClientOptions {
  /**
   * An operation that gets no answer within this many milliseconds fails with CoordinationError
   * 'unavailable' instead of waiting for Redis to come back (default 5,000).
   */
  operationTimeoutMs?: number;
}

/**
 * Options for clients we create: fail queued commands after one reconnection attempt instead of ioredis's
 * default of 20, so an outage surfaces in about a second; keep reconnecting forever in the background.
 */
export const OWNED_CLIENT_OPTIONS = {
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1_000),
};

export interface OpenedClient {
  client: Redis;
  /** True when we created the client from a URL and must close it. */
  owned: boolean;
}

export function openClient(connection: RedisConnection): OpenedClient {
  if (typeof connection === 'string') {
    return { client: new Redis(connection, OWNED_CLIENT_OPTIONS), owned: true };
  }
  return { client: connection, owned: false };
}

/** A second connection with the same settings (a subscriber connection cannot run other commands). */
export function duplicateClient(connection: RedisConnection, client: Redis): Redis {
  return typeof connection === 'string'
    ? new Redis(connection, OWNED_CLIENT_OPTIONS)
    : client.duplicate(OWNED_CLIENT_OPTIONS);
}

export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  // quit waits for Redis to answer, which never happens while it is down; disconnect does not wait.
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}

/**
 * Runs `operation` and turns connection failures and timeouts into CoordinationError 'unavailable'. The
 * timeout guards injected clients too, whose retry settings we do not control.
 */
export async function guard<T>(
  what: string,
  timeoutMs: number,
  operation: () => Promise<T>,
  data: Record<string, unknown> = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new CoordinationError('unavailable', `Redis did not answer ${what} within ${timeoutMs} ms.`, {
            data: { ...data, timeoutMs },
          }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([operation(), timeout]);
  } catch (error) {
    if (HydraError.isInstance(error)) throw error;
    throw new CoordinationError('unavailable', `Redis failed ${what}: ${describe(error)}`, {
      cause: error,
      data,
    });
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A Lua script run with EVALSHA, falling back to EVAL when Redis does not have it cached (after a restart). */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
