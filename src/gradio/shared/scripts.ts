/**
 * The Lua scripts of shared mode: each step that touches several keys is one atomic script, so
 * replicas never see half a join or half a completion. Keys are documented in ./index.ts.
 */
const CLOSE = '{"msg":"close_stream","event_id":null}';

/** KEYS jobs sess pending ev; ARGV max eventId hash data ttlMs avgSeconds concurrency group fnIndex hasSession root → rank, or -1 - size when full. */
export const JOIN = `
local ok, pel = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[8])
if not ok then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[8], '0', 'MKSTREAM')
  pel = redis.call('XPENDING', KEYS[1], ARGV[8])
end
local waiting = redis.call('XLEN', KEYS[1]) - tonumber(pel[1])
if waiting < 0 then waiting = 0 end
if waiting >= tonumber(ARGV[1]) then return -1 - waiting end
local ttl = tonumber(ARGV[5])
redis.call('XADD', KEYS[1], '*', 'e', ARGV[2], 's', ARGV[3], 'd', ARGV[4], 'f', ARGV[9], 'h', ARGV[10], 'r', ARGV[11])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('SET', KEYS[4], ARGV[3], 'PX', ttl)
local avg = tonumber(ARGV[6])
local eta = cjson.null
if avg > 0 then eta = avg * (math.floor(waiting / tonumber(ARGV[7])) + 1) end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 1000, '*', 'm', cjson.encode({msg = 'estimation', event_id = ARGV[2], rank = waiting, queue_size = waiting + 1, rank_eta = eta}))
redis.call('PEXPIRE', KEYS[2], ttl)
return waiting
`;

/** KEYS jobs; ARGV group → jobs waiting (not yet delivered to any worker). */
export const SIZE = `
local ok, pel = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
if not ok then return 0 end
local waiting = redis.call('XLEN', KEYS[1]) - tonumber(pel[1])
if waiting < 0 then return 0 end
return waiting
`;

/** KEYS done sess; ARGV message ttlMs → 0 if the event is already answered (cancelled, or run elsewhere), else 1. */
export const START = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 1000, '*', 'm', ARGV[1])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]))
return 1
`;

/**
 * KEYS done sess pending jobs; ARGV eventId message ttlMs entryId group → 1 if this answer is
 * the event's one answer, 0 if it was already answered (dedupe by event id). Acks the job entry
 * either way; close_stream follows once the session has nothing pending.
 */
export const COMPLETE = `
local ttl = tonumber(ARGV[3])
if ARGV[4] ~= '' then
  redis.call('XACK', KEYS[4], ARGV[5], ARGV[4])
  redis.call('XDEL', KEYS[4], ARGV[4])
end
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ttl) then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 1000, '*', 'm', ARGV[2])
redis.call('SREM', KEYS[3], ARGV[1])
if redis.call('SCARD', KEYS[3]) == 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', 1000, '*', 'm', '${CLOSE}')
end
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
`;

/** KEYS pending; ARGV donePrefix ttlMs: the session's client went away, so its pending events are dropped. */
export const DROP = `
local ids = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(ids) do redis.call('SET', ARGV[1] .. id, '1', 'NX', 'PX', tonumber(ARGV[2])) end
redis.call('DEL', KEYS[1])
return #ids
`;

/** KEYS sess pending cursor → false for an unknown session, else {cursor, entries after it, pending count}, atomically. */
export const SNAPSHOT = `
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 0 then return false end
local cursor = redis.call('GET', KEYS[3]) or '0-0'
local entries = redis.call('XRANGE', KEYS[1], '(' .. cursor, '+', 'COUNT', 1000)
return {cursor, entries, redis.call('SCARD', KEYS[2])}
`;

/**
 * KEYS stream; ARGV group self idleMs → the consumers removed: other replicas' consumers idle
 * that long with nothing claimed (checked and removed at once, so none claims a job in between).
 */
export const FORGET = `
local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if not ok then return {} end
local gone = {}
for _, c in ipairs(consumers) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info['name'] ~= ARGV[2] and tonumber(info['pending']) == 0 and tonumber(info['idle']) >= tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    table.insert(gone, info['name'])
  end
end
return gone
`;
