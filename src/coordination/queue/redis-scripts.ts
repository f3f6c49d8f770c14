import { LuaScript } from '../bus/redis-support.js';

/*
 * The task queue's state changes, each one Lua script so it is atomic on the server. Keys, under the
 * queue's prefix P (ARGV[1]):
 *   P task:<id>      hash: the task (empty string = null)
 *   P ready:<target> sorted set: score -priority, member "<16-digit seq>:<id>" (equal scores sort by
 *                    member, so first enqueued first within a priority)
 *   P delayed        sorted set by availableAt: backoff and delayed tasks
 *   P claimed        sorted set by visibility deadline
 *   P dead           sorted set by time of death
 *   P idem:<key>     the task id an idempotency key created (PX retention)
 *   P once:<key>     hash: a `once` lease (status running, PX lease) or record (status done, PX retention)
 *   P seq            enqueue counter
 * Times are Redis's own clock (TIME), so workers on machines with skewed clocks agree on deadlines.
 * Scripts touch keys they compute from P, so the queue needs a single Redis instance (not Cluster).
 */
const PRELUDE = `
local P = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function ready_push(k)
  local t = redis.call('HMGET', k, 'target', 'priority', 'member')
  redis.call('ZADD', P .. 'ready:' .. t[1], -tonumber(t[2]), t[3])
end
local function release(k, id)
  redis.call('ZREM', P .. 'claimed', id)
  redis.call('HSET', k, 'claimedBy', '', 'deadline', '', 'token', '')
end
local function bury(k, id, now)
  redis.call('HSET', k, 'state', 'dead', 'finishedAt', now)
  redis.call('ZADD', P .. 'dead', now, id)
end
-- 'ok', or the reason this claim does not hold the task: missing, done, or lost plus the state.
local function check_claim(k, token)
  local t = redis.call('HMGET', k, 'state', 'token')
  if not t[1] then return 'missing' end
  if t[1] == 'done' then return 'done' end
  if t[1] ~= 'claimed' or t[2] ~= token then return 'lost:' .. t[1] end
  return 'ok'
end
`;

const script = (body: string): LuaScript => new LuaScript(PRELUDE + body);

/** ARGV: P, id, idempotencyKey ('' for none), retentionMs, target, kind, payload, priority, maxAttempts, delayMs. */
export const ENQUEUE = script(`
local idem = ARGV[3]
if idem ~= '' then
  local existing = redis.call('GET', P .. 'idem:' .. idem)
  if existing and redis.call('EXISTS', P .. 'task:' .. existing) == 1 then
    return {0, redis.call('HGETALL', P .. 'task:' .. existing)}
  end
end
local now = now_ms()
local seq = redis.call('INCR', P .. 'seq')
local id = ARGV[2]
local k = P .. 'task:' .. id
local available = now + tonumber(ARGV[10])
redis.call('HSET', k, 'id', id, 'kind', ARGV[6], 'target', ARGV[5], 'payload', ARGV[7], 'priority', ARGV[8],
  'idempotencyKey', idem, 'state', 'queued', 'attempts', 0, 'maxAttempts', ARGV[9], 'enqueuedAt', now,
  'availableAt', available, 'member', string.format('%016d', seq) .. ':' .. id, 'claimedBy', '',
  'deadline', '', 'token', '', 'lastError', '', 'result', '', 'finishedAt', '')
if available > now then redis.call('ZADD', P .. 'delayed', available, id) else ready_push(k) end
if idem ~= '' then redis.call('SET', P .. 'idem:' .. idem, id, 'PX', ARGV[4]) end
return {1, redis.call('HGETALL', k)}
`);

/**
 * ARGV: P, worker, token, visibilityMs, target... First returns expired claims to the queue (or buries
 * them when out of attempts) and readies due delayed tasks, then takes the best head of the targets.
 */
export const CLAIM = script(`
local now = now_ms()
local expired = redis.call('ZRANGEBYSCORE', P .. 'claimed', '-inf', now, 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  local k = P .. 'task:' .. id
  local worker = redis.call('HGET', k, 'claimedBy') or 'the worker'
  release(k, id)
  redis.call('HSET', k, 'lastError', 'No ack from ' .. worker .. ' within the visibility timeout.')
  local t = redis.call('HMGET', k, 'attempts', 'maxAttempts')
  if tonumber(t[1]) >= tonumber(t[2]) then
    bury(k, id, now)
  else
    redis.call('HSET', k, 'state', 'queued', 'availableAt', now)
    ready_push(k)
  end
end
local due = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now, 'LIMIT', 0, 100)
for _, id in ipairs(due) do
  redis.call('ZREM', P .. 'delayed', id)
  ready_push(P .. 'task:' .. id)
end
local best, best_score, best_key
for i = 5, #ARGV do
  local key = P .. 'ready:' .. ARGV[i]
  local top = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if top[1] then
    local score = tonumber(top[2])
    if best == nil or score < best_score or (score == best_score and top[1] < best) then
      best, best_score, best_key = top[1], score, key
    end
  end
end
if not best then return false end
redis.call('ZREM', best_key, best)
local id = string.sub(best, 18)
local k = P .. 'task:' .. id
local deadline = now + tonumber(ARGV[4])
redis.call('HINCRBY', k, 'attempts', 1)
redis.call('HSET', k, 'state', 'claimed', 'token', ARGV[3], 'claimedBy', ARGV[2], 'deadline', deadline)
redis.call('ZADD', P .. 'claimed', deadline, id)
return redis.call('HGETALL', k)
`);

/** ARGV: P, id, token, result, retentionMs. Returns the claim check ('ok' when acknowledged now). */
export const ACK = script(`
local k = P .. 'task:' .. ARGV[2]
local check = check_claim(k, ARGV[3])
if check ~= 'ok' then return check end
release(k, ARGV[2])
redis.call('HSET', k, 'state', 'done', 'result', ARGV[4], 'finishedAt', now_ms())
redis.call('PEXPIRE', k, ARGV[5])
local idem = redis.call('HGET', k, 'idempotencyKey')
if idem ~= '' then redis.call('PEXPIRE', P .. 'idem:' .. idem, ARGV[5]) end
return 'ok'
`);

/** ARGV: P, id, token, error, retry ('1' or '0'), backoffBaseMs, backoffMaxMs. Returns {check, state, retryAt}. */
export const FAIL = script(`
local k = P .. 'task:' .. ARGV[2]
local check = check_claim(k, ARGV[3])
if check ~= 'ok' then return {check} end
local now = now_ms()
release(k, ARGV[2])
redis.call('HSET', k, 'lastError', ARGV[4])
local t = redis.call('HMGET', k, 'attempts', 'maxAttempts')
local attempts = tonumber(t[1])
if ARGV[5] == '0' or attempts >= tonumber(t[2]) then
  bury(k, ARGV[2], now)
  return {'ok', 'dead'}
end
local at = now + math.floor(math.min(tonumber(ARGV[7]), tonumber(ARGV[6]) * 2 ^ (attempts - 1)))
redis.call('HSET', k, 'state', 'queued', 'availableAt', at)
if at > now then redis.call('ZADD', P .. 'delayed', at, ARGV[2]) else ready_push(k) end
return {'ok', 'queued', at}
`);

/** ARGV: P, id, token, visibilityMs. Returns {check, deadline}. */
export const EXTEND = script(`
local k = P .. 'task:' .. ARGV[2]
local check = check_claim(k, ARGV[3])
if check ~= 'ok' then return {check} end
local deadline = now_ms() + tonumber(ARGV[4])
redis.call('HSET', k, 'deadline', deadline)
redis.call('ZADD', P .. 'claimed', deadline, ARGV[2])
return {'ok', deadline}
`);

/** ARGV: P, id. Returns {'ok', task} or {'missing'} or {'state', state}. */
export const RETRY_DEAD = script(`
local k = P .. 'task:' .. ARGV[2]
local state = redis.call('HGET', k, 'state')
if not state then return {'missing'} end
if state ~= 'dead' then return {'state', state} end
redis.call('ZREM', P .. 'dead', ARGV[2])
redis.call('HSET', k, 'state', 'queued', 'attempts', 0, 'finishedAt', '', 'availableAt', now_ms())
ready_push(k)
return {'ok', redis.call('HGETALL', k)}
`);

/** ARGV: P, key, owner, leaseMs. Returns {'done', json} or {'busy'} or {'acquired'}. */
export const ONCE_BEGIN = script(`
local k = P .. 'once:' .. ARGV[2]
local t = redis.call('HMGET', k, 'status', 'json')
if t[1] == 'done' then return {'done', t[2]} end
if t[1] == 'running' then return {'busy'} end
redis.call('HSET', k, 'status', 'running', 'owner', ARGV[3])
redis.call('PEXPIRE', k, ARGV[4])
return {'acquired'}
`);

/** ARGV: P, key, owner, json, retentionMs. Records the value even if the lease lapsed: the effect happened. */
export const ONCE_FINISH = script(`
local k = P .. 'once:' .. ARGV[2]
redis.call('DEL', k)
redis.call('HSET', k, 'status', 'done', 'json', ARGV[4])
redis.call('PEXPIRE', k, ARGV[5])
return 'ok'
`);

/** ARGV: P, key, owner. Gives the lease up after a failed effect, if it is still ours. */
export const ONCE_ABANDON = script(`
local k = P .. 'once:' .. ARGV[2]
local t = redis.call('HMGET', k, 'status', 'owner')
if t[1] == 'running' and t[2] == ARGV[3] then redis.call('DEL', k) end
return 'ok'
`);
