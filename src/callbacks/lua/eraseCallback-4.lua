--[[
  Erases one callback and everything that hangs off it in these keys: its hash, its history, its places in the open and creation indexes, the caller's open-callback
  pointer if it points here, and the idempotency keys of the calls recorded into it (call ids
  from firstCallId, lastCallId and the history's "call:<id>" entries). For retention and for
  forgetting a caller (docs/decisions/0017). Its follow-up jobs live in BullMQ's keys and are
  removed by the eraser after this (callbacks/erase.ts).

  Retention erases only a closed callback that closed before the cutoff, checked here, so a
  callback that is open, or closed since the sweep read the index, is left alone.

  KEYS[1] the callback's hash
  KEYS[2] the callback's history list
  KEYS[3] open callbacks sorted set
  KEYS[4] callbacks-by-creation sorted set

  ARGV[1] callback id
  ARGV[2] "" to erase it whatever its status (forgetting a caller); or a time (ms): erase it only
          if it is closed (done, failed, cancelled) and closed before then (retention)
  ARGV[3] pending-by-caller key prefix ("{p}:pending-by-caller:")
  ARGV[4] recorded-call key prefix ("{p}:recorded-call:")
  (all prefixes carry the same hash tag as the keys, so every key is in the same slot)

  Returns { 1, caller } when erased,
          { 0, status } when retention keeps it (open, or closed at or after the cutoff),
          { -1 } when there was no such callback (its index entries are removed).
]]
local fields = redis.call('HMGET', KEYS[1], 'status', 'closedAt', 'caller', 'firstCallId', 'lastCallId')
local status = fields[1]
if not status then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  return { -1 }
end
if ARGV[2] ~= '' then
  local open = status == 'pending' or status == 'dialing'
  if open or (tonumber(fields[2]) or 0) >= tonumber(ARGV[2]) then return { 0, status } end
end

local callIds = {}
if fields[4] then callIds[fields[4]] = true end
if fields[5] then callIds[fields[5]] = true end
for _, raw in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local ok, entry = pcall(cjson.decode, raw)
  if ok and type(entry) == 'table' and type(entry.by) == 'string' then
    local callId = string.match(entry.by, '^call:(.+)$')
    if callId then callIds[callId] = true end
  end
end
for callId in pairs(callIds) do redis.call('DEL', ARGV[4] .. callId) end

redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
local caller = fields[3] or ''
local byCaller = ARGV[3] .. caller
if redis.call('GET', byCaller) == ARGV[1] then redis.call('DEL', byCaller) end
return { 1, caller }
