--[[
  Notes who took a call, for as long as the call may last (a hint for a double fault).
  One script rather than MULTI/HSET/PEXPIRE: it is on every answered call's path, and an
  ioredis pipeline costs more to build than the command costs to run.

  KEYS[1] the call's answered-note hash

  ARGV[1] time to live (ms)   ARGV[2..] field, value pairs

  Returns 1.
]]
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
