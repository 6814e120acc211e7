--[[
  Records a missed call as a pending callback, or folds it into the caller's open one
  (pending, or dialing: the customer rang while we were ringing them), and appends the history
  entry for it ("created" or "called-again").

  Idempotent by call id: a call that was already recorded (a replayed spool entry, a drained
  AstDB entry, an orphan recorded again after a second restart) changes nothing and returns the
  callback it went to, with duplicate = 1, and created = 1 when that callback was created by this
  call (so a replay whose first attempt did reach Redis can still see its follow-up scheduled).

  KEYS[1] pending-by-caller key of this caller's number
  KEYS[2] open callbacks sorted set (score = due time in ms)
  KEYS[3] callback hash prefix ("{p}:callback:"; same hash tag, so the same slot)
  KEYS[4] recorded-call key of this call id (string: the callback id it went to)
  KEYS[5] every callback's id, scored by when it was created (ms): the index of reports and of
          retention (docs/decisions/0017)

  ARGV[1] new callback id (used only when none is open for this number)
  ARGV[2] caller number      ARGV[3] called number (DID)    ARGV[4] route id
  ARGV[5] now (ms)           ARGV[6] due time (ms)          ARGV[7] call id
  ARGV[8] language           ARGV[9] history key suffix (":history"; the history of callback
                                     <id> is KEYS[3] .. <id> .. ARGV[9])
  ARGV[10] how long the recorded-call key is kept (ms)
  ARGV[11] a note for the history ("" for none), e.g. "recorded by the fallback while down"
  ARGV[12] the caller ID name, cleaned ("" for none): kept in callerName; a later call with a
           name replaces it, one without keeps it

  A new callback is written with followUp = "pending": its follow-up jobs are still to be
  scheduled (claimFollowUp-1.lua), by the instance that recorded it or by a later sweep.

  Returns { id, created (1|0: this call created the callback), attempts, dueAt, duplicate (1|0) }.
  The deadline of an updated callback stays the earliest one promised.
]]
local now = tonumber(ARGV[5])
local dueAt = tonumber(ARGV[6])
local by = 'call:' .. ARGV[7]
local note = ARGV[11]
local callerName = ARGV[12] or ''

local seen = redis.call('GET', KEYS[4])
if seen then
  local key = KEYS[3] .. seen
  local fields = redis.call('HMGET', key, 'attempts', 'dueAt', 'firstCallId')
  local created = 0
  if fields[3] == ARGV[7] then created = 1 end
  return { seen, created, tonumber(fields[1]) or 0, tonumber(fields[2]) or dueAt, 1 }
end

local function remember(id)
  redis.call('SET', KEYS[4], id, 'PX', tonumber(ARGV[10]))
end

local existing = redis.call('GET', KEYS[1])
if existing then
  local key = KEYS[3] .. existing
  local status = redis.call('HGET', key, 'status')
  if status == 'pending' or status == 'dialing' then
    local attempts = redis.call('HINCRBY', key, 'attempts', 1)
    local oldDue = tonumber(redis.call('HGET', key, 'dueAt'))
    if oldDue and oldDue < dueAt then dueAt = oldDue end
    redis.call('HSET', key, 'lastAttemptAt', now, 'dueAt', dueAt, 'lastCallId', ARGV[7])
    if callerName ~= '' then redis.call('HSET', key, 'callerName', callerName) end
    redis.call('ZADD', KEYS[2], dueAt, existing)
    local detail = 'missed call ' .. attempts
    if note ~= '' then detail = detail .. ' (' .. note .. ')' end
    redis.call('RPUSH', key .. ARGV[9], cjson.encode({
      at = now, event = 'called-again', from = status, to = status, by = by, detail = detail }))
    remember(existing)
    return { existing, 0, attempts, dueAt, 0 }
  end
end

local id = ARGV[1]
redis.call('HSET', KEYS[3] .. id,
  'id', id, 'caller', ARGV[2], 'called', ARGV[3], 'route', ARGV[4], 'status', 'pending',
  'createdAt', now, 'lastAttemptAt', now, 'dueAt', dueAt, 'attempts', 1, 'dialAttempts', 0,
  'firstCallId', ARGV[7], 'lastCallId', ARGV[7], 'language', ARGV[8], 'followUp', 'pending')
if callerName ~= '' then redis.call('HSET', KEYS[3] .. id, 'callerName', callerName) end
redis.call('SET', KEYS[1], id)
redis.call('ZADD', KEYS[2], dueAt, id)
redis.call('ZADD', KEYS[5], now, id)
local entry = { at = now, event = 'created', from = cjson.null, to = 'pending', by = by }
if note ~= '' then entry.detail = note end
redis.call('RPUSH', KEYS[3] .. id .. ARGV[9], cjson.encode(entry))
remember(id)
return { id, 1, 1, dueAt, 0 }
