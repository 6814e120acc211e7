--[[
  Keeps a reference to a message a caller left (the recording stays on the PBX).

  KEYS[1] the message's hash
  KEYS[2] messages sorted set (score = time left, ms)

  ARGV[1] call id   ARGV[2] time (ms)   ARGV[3..] field, value pairs

  Returns 1.
]]
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
