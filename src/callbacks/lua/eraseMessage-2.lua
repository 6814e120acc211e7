--[[
  Erases the reference to a message a withheld caller left (retention). The recording itself is
  on the PBX, in Asterisk's recordings folder, and is not touched.

  KEYS[1] the message's hash
  KEYS[2] messages sorted set

  ARGV[1] call id

  Returns 1 when a reference was erased, 0 when there was none.
]]
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return existed
