--[[
  Marks a callback's follow-up jobs as scheduled, for the instance that claimed the scheduling
  (claimFollowUp-1.lua). After this no sweep schedules them again.

  KEYS[1] the callback's hash

  ARGV[1] who claimed (this instance)

  Returns 1 when marked, 0 when this instance does not hold the claim (another took it over).
]]
local fields = redis.call('HMGET', KEYS[1], 'followUp', 'followUpBy')
if fields[1] ~= 'scheduling' or fields[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'followUp', 'scheduled')
redis.call('HDEL', KEYS[1], 'followUpBy', 'followUpLeaseUntil')
return 1
