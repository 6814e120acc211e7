--[[
  Removes a timer job, leased or not (its holder's complete then returns false).

  KEYS[1] the job's hash
  KEYS[2] timers sorted set
  KEYS[3] timers-of-callback key prefix ("{p}:timers-of-callback:"; same hash tag, so the same slot)

  ARGV[1] job id

  Returns 1 when removed, 0 when there was no such job.
]]
local callbackId = redis.call('HGET', KEYS[1], 'callbackId')
if not callbackId then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3] .. callbackId, ARGV[1])
return 1
