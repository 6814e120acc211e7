--[[
  Erases one call-log entry: its hash, its place in the calls index, and the idempotency key that
  tied the call id to a callback. For retention (an entry past callbacks' keep time) and for
  forgetting a caller (docs/decisions/0017). A call id whose entry is gone already still loses its
  index entry and idempotency key.

  KEYS[1] the call's log hash
  KEYS[2] calls sorted set
  KEYS[3] the call id's recorded-call key

  ARGV[1] call id

  Returns 1 when a log entry was erased, 0 when there was none (the rest is removed all the same).
]]
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return existed
