--[[
  Gives the lease up, but only if this instance still holds it (another may have taken it since).

  KEYS[1] the lease

  ARGV[1] instance id

  Returns 1 when released, 0 when it was not held by this instance.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
