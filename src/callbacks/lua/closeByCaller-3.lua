--[[
  Closes the open callback (pending or dialing) of a caller's number, if there is one: used when
  the customer was reached another way (they rang again and someone answered). Same change as
  closeCallback-4.lua, reached through the pending-by-caller index in the same atomic step.

  KEYS[1] pending-by-caller key of the number
  KEYS[2] open callbacks sorted set
  KEYS[3] callback hash prefix ("{p}:callback:"; same hash tag, so the same slot)

  ARGV[1] new status ("done" | "cancelled")   ARGV[2] now (ms)
  ARGV[3] who or what closed it               ARGV[4] detail for the history ("" for none)
  ARGV[5] history key suffix (":history"; the history of callback <id> is KEYS[3] .. <id> .. ARGV[5])
  ARGV[6] "" to close whatever is open; or a time (ms): close it only if the customer's last
          missed call was at or before it (a report that arrives late, e.g. drained from the
          PBX's AstDB, proves nothing about calls made after it)
  ARGV[7] for "done": how the customer was reached ("called-again", "outbound", "fallback"),
          kept with the time in reachedVia and reachedAt, for the figures ("" for none)

  Returns { 1, previous status, HGETALL of the callback after the change } when one was closed,
          { 0 } when the number has no open callback (a stale index entry is removed), or its
          last missed call came after ARGV[6].
]]
local id = redis.call('GET', KEYS[1])
if not id then return { 0 } end
local key = KEYS[3] .. id
local status = redis.call('HGET', key, 'status')
if status ~= 'pending' and status ~= 'dialing' then
  redis.call('DEL', KEYS[1])
  return { 0 }
end
if ARGV[6] ~= '' and (tonumber(redis.call('HGET', key, 'lastAttemptAt')) or 0) > tonumber(ARGV[6]) then
  return { 0 }
end

local now = tonumber(ARGV[2])
redis.call('HSET', key, 'status', ARGV[1], 'closedAt', now, 'closedBy', ARGV[3])
if ARGV[1] == 'done' and ARGV[7] ~= nil and ARGV[7] ~= '' then
  redis.call('HSET', key, 'reachedAt', now, 'reachedVia', ARGV[7])
end
redis.call('HDEL', key, 'dialingBy', 'dialStartedAt', 'dialId', 'dialLeaseUntil')
redis.call('ZREM', KEYS[2], id)
redis.call('DEL', KEYS[1])

local entry = { at = now, event = ARGV[1], from = status, to = ARGV[1], by = ARGV[3] }
if ARGV[4] ~= '' then entry.detail = ARGV[4] end
redis.call('RPUSH', key .. ARGV[5], cjson.encode(entry))
return { 1, status, redis.call('HGETALL', key) }
