--[[
  The active instance renews its lease: only its holder may extend it. A lease that is gone (Redis
  restarted without it, or it expired while Redis was out of reach) is taken again by the
  instance that asks, as a standby's SET NX would take it: exactly one of them gets it.

  KEYS[1] the lease

  ARGV[1] instance id   ARGV[2] time to live (ms)

  Returns { 1 } when extended, { 2 } when taken again (it was gone), { 0, holder } when another
  instance holds it.
]]
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return { 1 }
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
  return { 2 }
end
return { 0, holder }
