--[[
  Appends a history entry that changes no status (notified, reminded, escalated) to an existing
  callback; from and to are its current status. Refused for an unknown callback, so no history
  list can exist without its callback.

  KEYS[1] the callback's hash
  KEYS[2] the callback's history list

  ARGV[1] now (ms)   ARGV[2] event   ARGV[3] who or what   ARGV[4] detail ("" for none)

  Returns { 1, current status } when appended, { -1 } when no such callback.
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { -1 } end
local entry = { at = tonumber(ARGV[1]), event = ARGV[2], from = status, to = status, by = ARGV[3] }
if ARGV[4] ~= '' then entry.detail = ARGV[4] end
redis.call('RPUSH', KEYS[2], cjson.encode(entry))
return { 1, status }
