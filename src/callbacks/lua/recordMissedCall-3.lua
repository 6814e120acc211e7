--[[
  Records a missed call as a pending callback, or folds it into the caller's open one
  (pending, or dialing: the customer rang while we were ringing them), and appends the history
  entry for it ("created" or "called-again").

  KEYS[1] pending-by-caller key of this caller's number
  KEYS[2] open callbacks sorted set (score = due time in ms)
  KEYS[3] callback hash prefix ("{p}:callback:"; same hash tag, so the same slot)

  ARGV[1] new callback id (used only when none is open for this number)
  ARGV[2] caller number      ARGV[3] called number (DID)    ARGV[4] route id
  ARGV[5] now (ms)           ARGV[6] due time (ms)          ARGV[7] call id
  ARGV[8] language           ARGV[9] history key suffix (":history"; the history of callback
                                     <id> is KEYS[3] .. <id> .. ARGV[9])

  Returns { id, created (1|0), attempts, dueAt }.
  The deadline of an updated callback stays the earliest one promised.
]]
local now = tonumber(ARGV[5])
local dueAt = tonumber(ARGV[6])
local by = 'call:' .. ARGV[7]

local existing = redis.call('GET', KEYS[1])
if existing then
  local key = KEYS[3] .. existing
  local status = redis.call('HGET', key, 'status')
  if status == 'pending' or status == 'dialing' then
    local attempts = redis.call('HINCRBY', key, 'attempts', 1)
    local oldDue = tonumber(redis.call('HGET', key, 'dueAt'))
    if oldDue and oldDue < dueAt then dueAt = oldDue end
    redis.call('HSET', key, 'lastAttemptAt', now, 'dueAt', dueAt, 'lastCallId', ARGV[7])
    redis.call('ZADD', KEYS[2], dueAt, existing)
    redis.call('RPUSH', key .. ARGV[9], cjson.encode({
      at = now, event = 'called-again', from = status, to = status, by = by,
      detail = 'missed call ' .. attempts }))
    return { existing, 0, attempts, dueAt }
  end
end

local id = ARGV[1]
redis.call('HSET', KEYS[3] .. id,
  'id', id, 'caller', ARGV[2], 'called', ARGV[3], 'route', ARGV[4], 'status', 'pending',
  'createdAt', now, 'lastAttemptAt', now, 'dueAt', dueAt, 'attempts', 1, 'dialAttempts', 0,
  'firstCallId', ARGV[7], 'lastCallId', ARGV[7], 'language', ARGV[8])
redis.call('SET', KEYS[1], id)
redis.call('ZADD', KEYS[2], dueAt, id)
redis.call('RPUSH', KEYS[3] .. id .. ARGV[9], cjson.encode({
  at = now, event = 'created', from = cjson.null, to = 'pending', by = by }))
return { id, 1, 1, dueAt }
