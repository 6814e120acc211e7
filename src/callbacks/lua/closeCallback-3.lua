--[[
  Closes a pending callback (done or cancelled) and drops it from the pending indexes.

  KEYS[1] the callback's hash
  KEYS[2] pending callbacks sorted set
  KEYS[3] pending-by-caller key prefix ("{p}:pending-by-caller:"; same hash tag, so the same slot)

  ARGV[1] callback id        ARGV[2] new status ("done" | "cancelled")
  ARGV[3] now (ms)           ARGV[4] who or what closed it

  Returns 1 when closed, -1 when no such callback, -2 when it was not pending (status unchanged).
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
if status ~= 'pending' then return -2 end

redis.call('HSET', KEYS[1], 'status', ARGV[2], 'closedAt', ARGV[3], 'closedBy', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[1])
local byCaller = KEYS[3] .. redis.call('HGET', KEYS[1], 'caller')
if redis.call('GET', byCaller) == ARGV[1] then redis.call('DEL', byCaller) end
return 1
