--[[
  Closes an open callback (pending or dialing) as done or cancelled: drops it from the open
  indexes and appends the history entry. The rules are lifecycle.ts `decide` ('close').

  KEYS[1] the callback's hash
  KEYS[2] the callback's history list
  KEYS[3] open callbacks sorted set
  KEYS[4] pending-by-caller key prefix ("{p}:pending-by-caller:"; same hash tag, so the same slot)

  ARGV[1] callback id        ARGV[2] new status ("done" | "cancelled")
  ARGV[3] now (ms)           ARGV[4] who or what closed it
  ARGV[5] detail for the history ("" for none)
  ARGV[6] for "done": how the customer was reached ("by-hand", "called-again", ...), kept with
          the time in reachedVia and reachedAt, for the figures ("" for none)

  Returns { 1, previous status, HGETALL of the callback after the change } when closed,
          { -1 } when no such callback,
          { -2, current status } when it was not open (nothing changed).
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { -1 } end
if status ~= 'pending' and status ~= 'dialing' then return { -2, status } end

local now = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'closedAt', now, 'closedBy', ARGV[4])
if ARGV[2] == 'done' and ARGV[6] ~= nil and ARGV[6] ~= '' then
  redis.call('HSET', KEYS[1], 'reachedAt', now, 'reachedVia', ARGV[6])
end
redis.call('HDEL', KEYS[1], 'dialingBy', 'dialStartedAt', 'dialId', 'dialLeaseUntil')
redis.call('ZREM', KEYS[3], ARGV[1])
local byCaller = KEYS[4] .. redis.call('HGET', KEYS[1], 'caller')
if redis.call('GET', byCaller) == ARGV[1] then redis.call('DEL', byCaller) end

local entry = { at = now, event = ARGV[2], from = status, to = ARGV[2], by = ARGV[4] }
if ARGV[5] ~= '' then entry.detail = ARGV[5] end
redis.call('RPUSH', KEYS[2], cjson.encode(entry))
return { 1, status, redis.call('HGETALL', KEYS[1]) }
