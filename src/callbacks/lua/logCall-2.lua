--[[
  Records the one outcome of a finished call. A second outcome for the same call is refused,
  so a replayed event can never log a call twice.

  KEYS[1] the call's log hash
  KEYS[2] calls sorted set (score = the time the call arrived, ms: reports and retention read it
          by time; entries logged before docs/decisions/0017 are scored by their end)

  ARGV[1] call id   ARGV[2] start time (ms)   ARGV[3..] field, value pairs

  Returns 1 when recorded, 0 when the call already had an outcome.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
