--[[
  Extends the dialing lease of a callback, for the live dial that holds it: the service that
  dials vouches again that the dial goes on. A callback no longer dialled by this dial (finished,
  closed, abandoned, or dialled again by another) is left alone.

  KEYS[1] the callback's hash

  ARGV[1] the dial's id   ARGV[2] new end of the lease (ms)

  Returns 1 when renewed, 0 when this dial no longer holds the callback.
]]
local dial = redis.call('HMGET', KEYS[1], 'status', 'dialId')
if dial[1] ~= 'dialing' or dial[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'dialLeaseUntil', tonumber(ARGV[2]))
return 1
