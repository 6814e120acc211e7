--[[
  Removes every timer job of one callback (it is done, failed or cancelled), leased or not.

  KEYS[1] the callback's timers-of-callback set
  KEYS[2] timers sorted set
  KEYS[3] timer job hash prefix ("{p}:timer:"; same hash tag, so the same slot)

  Returns the number of jobs removed.
]]
local ids = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(ids) do
  redis.call('DEL', KEYS[3] .. id)
  redis.call('ZREM', KEYS[2], id)
end
redis.call('DEL', KEYS[1])
return #ids
