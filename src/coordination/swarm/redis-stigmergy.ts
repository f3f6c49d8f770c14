import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

import { ProviderError, UserError } from '../../errors/index.js';
import {
  checkDeposit,
  checkName,
  checkTtl,
  DEFAULT_TRACE_TTL_MS,
  type DepositOptions,
  type StigmergyEnvironment,
  type Trace,
} from './stigmergy.js';

export interface RedisStigmergyOptions {
  /** Keys are `<prefix>:<location>` (default `hydra:stigmergy`); give each environment its own prefix. */
  prefix?: string;
  /** TTL of a deposit that names none (default 10 minutes). */
  defaultTtlMs?: number;
}

// One hash per location: field `s:<type>` is the strength, `e:<type>` the expiry (epoch ms). Every script
// reads the clock with TIME, so expiry is judged by Redis's clock alone, however skewed the clients' clocks
// are. Each script touches one key, so it is atomic and works on a cluster. The key itself expires with its
// longest-lived trace, so abandoned locations do not stay in Redis. Values go back as strings because Redis
// truncates Lua numbers to integers.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const DEPOSIT = `${NOW}
local key, s, e = KEYS[1], 's:' .. ARGV[1], 'e:' .. ARGV[1]
local ttl = tonumber(ARGV[3])
local expires = tonumber(redis.call('HGET', key, e) or '0')
if expires <= now then redis.call('HDEL', key, s, e) end
local strength = redis.call('HINCRBYFLOAT', key, s, ARGV[2])
if tonumber(strength) <= 0 then
  redis.call('HDEL', key, s, e)
  return strength
end
redis.call('HSET', key, e, string.format('%.0f', now + ttl))
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
return strength`;

const SENSE = `${NOW}
local key = KEYS[1]
local fields = redis.call('HGETALL', key)
local values, out = {}, {}
for i = 1, #fields, 2 do values[fields[i]] = fields[i + 1] end
for field, value in pairs(values) do
  if string.sub(field, 1, 2) == 'e:' then
    local kind = string.sub(field, 3)
    local strength = values['s:' .. kind]
    if tonumber(value) > now and strength then
      table.insert(out, kind)
      table.insert(out, strength)
      table.insert(out, value)
    else
      redis.call('HDEL', key, field, 's:' .. kind)
    end
  end
end
return out`;

const STRENGTH = `${NOW}
local values = redis.call('HMGET', KEYS[1], 's:' .. ARGV[1], 'e:' .. ARGV[1])
if values[1] and values[2] and tonumber(values[2]) > now then return values[1] end
return '0'`;

class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

const SCRIPTS = {
  deposit: new LuaScript(DEPOSIT),
  sense: new LuaScript(SENSE),
  strength: new LuaScript(STRENGTH),
};

/**
 * Stigmergy on Redis, shared by every process that uses the same prefix. Each operation is one Lua script
 * on one hash (HINCRBYFLOAT for the strength, a per-trace expiry field), so concurrent deposits from any
 * number of clients add up exactly. The client is injected and never closed here: its owner closes it.
 */
export class RedisStigmergy implements StigmergyEnvironment {
  readonly prefix: string;
  readonly #redis: Redis;
  readonly #defaultTtlMs: number;

  constructor(redis: Redis, options: RedisStigmergyOptions = {}) {
    this.#redis = redis;
    this.prefix = options.prefix ?? 'hydra:stigmergy';
    if (this.prefix.length === 0 || /[*?[\]]/.test(this.prefix)) {
      throw new UserError(
        'invalid_input',
        `A stigmergy key prefix must be non-empty and have no glob characters.`,
        {
          data: { field: 'prefix', prefix: this.prefix },
        },
      );
    }
    this.#defaultTtlMs = options.defaultTtlMs ?? DEFAULT_TRACE_TTL_MS;
    checkTtl(this.#defaultTtlMs, 'defaultTtlMs');
  }

  async deposit(location: string, type: string, amount = 1, options: DepositOptions = {}): Promise<number> {
    const ttlMs = checkDeposit(location, type, amount, options, this.#defaultTtlMs);
    const result = await this.#run(SCRIPTS.deposit, this.#key(location), [
      type,
      String(amount),
      String(ttlMs),
    ]);
    return Number(result);
  }

  async sense(location: string): Promise<Trace[]> {
    checkName('location', location);
    const flat = (await this.#run(SCRIPTS.sense, this.#key(location), [])) as string[];
    const traces: Trace[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      traces.push({
        location,
        type: flat[i] ?? '',
        strength: Number(flat[i + 1]),
        expiresAt: Number(flat[i + 2]),
      });
    }
    return traces.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  async strength(location: string, type: string): Promise<number> {
    checkName('location', location);
    checkName('type', type);
    return Number(await this.#run(SCRIPTS.strength, this.#key(location), [type]));
  }

  async erase(location: string): Promise<void> {
    checkName('location', location);
    await this.#call(() => this.#redis.del(this.#key(location)));
  }

  /** Deletes every trace under this prefix (SCAN, so it does not block Redis); for tests and resets. */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#call(() =>
        this.#redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 500),
      );
      if (keys.length > 0) await this.#call(() => this.#redis.unlink(...keys));
      cursor = next;
    } while (cursor !== '0');
  }

  #key(location: string): string {
    return `${this.prefix}:${location}`;
  }

  /** EVALSHA, loading the script with EVAL the first time a server (or a restarted one) lacks it. */
  async #run(script: LuaScript, key: string, args: string[]): Promise<unknown> {
    return this.#call(async () => {
      try {
        return await this.#redis.evalsha(script.sha, 1, key, ...args);
      } catch (error) {
        if (!String((error as Error | undefined)?.message).startsWith('NOSCRIPT')) throw error;
        return this.#redis.eval(script.source, 1, key, ...args);
      }
    });
  }

  /** Redis failures become typed, retryable errors so callers can back off like for any backend. */
  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (cause) {
      throw new ProviderError('provider_unavailable', `Redis stigmergy call failed: ${String(cause)}`, {
        retryable: true,
        cause,
        data: { prefix: this.prefix },
      });
    }
  }
}
