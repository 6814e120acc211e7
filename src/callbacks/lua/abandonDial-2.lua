--[[
  Puts a callback being dialled back to pending because the dial ended without a result: it could
  not start (ARI unreachable), or the service that dialled stopped and its dialing lease ran out.
  Not counted as a dial attempt. Appends "dial-abandoned" to its history. The rules are
  lifecycle.ts `decide` ('abandonDial'); the lease and the dial's id are checked here, atomically,
  so two instances sweeping at once abandon a dial exactly once, and a dial renewed in time (or a
  newer dial of the same callback) is left alone.

  KEYS[1] the callback's hash
  KEYS[2] the callback's history list

  ARGV[1] now (ms)   ARGV[2] who or what abandons it   ARGV[3] why, for the history
  ARGV[4] the dial's id ("" for whichever dial holds it)
  ARGV[5] "1": only if its lease ended at or before now; "0": regardless of the lease
  ARGV[6] the lease (ms) of a dial that has no dialLeaseUntil (started before leases existed),
          counted from its dialStartedAt

  Returns { 1, "dialing", HGETALL of the callback after the change } when abandoned,
          { -1 } when no such callback,
          { -2, current status } when it was not dialing (nothing changed),
          { -3, end of the lease } when the lease still holds (nothing changed),
          { -4, the current dial's id } when another dial holds it (nothing changed).
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { -1 } end
if status ~= 'dialing' then return { -2, status } end

local now = tonumber(ARGV[1])
local dial = redis.call('HMGET', KEYS[1], 'dialId', 'dialLeaseUntil', 'dialStartedAt')
local dialId = dial[1] or ''
if ARGV[4] ~= '' and dialId ~= ARGV[4] then return { -4, dialId } end
if ARGV[5] == '1' then
  local leaseUntil = tonumber(dial[2])
  if not leaseUntil then leaseUntil = (tonumber(dial[3]) or 0) + tonumber(ARGV[6]) end
  if leaseUntil > now then return { -3, leaseUntil } end
end

redis.call('HSET', KEYS[1], 'status', 'pending')
redis.call('HDEL', KEYS[1], 'dialingBy', 'dialStartedAt', 'dialId', 'dialLeaseUntil')
redis.call('RPUSH', KEYS[2], cjson.encode({
  at = now, event = 'dial-abandoned', from = 'dialing', to = 'pending', by = ARGV[2], detail = ARGV[3] }))
return { 1, status, redis.call('HGETALL', KEYS[1]) }
