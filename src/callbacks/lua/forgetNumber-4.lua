--[[
  Erases the keys that are named after a caller's number (forgetting a caller; the callbacks and
  call-log entries are erased one by one by eraseCallback-6 and eraseCall-3): the pointer to their
  open callback, the text-back mark, and the text-back job (with its place in the job index and
  in its callback's job set).

  KEYS[1] pending-by-caller key of the number
  KEYS[2] texted-back key of the number
  KEYS[3] the text-back job's hash ("{p}:timer:textback:<number>")
  KEYS[4] timers sorted set

  ARGV[1] the text-back job's id ("textback:<number>")
  ARGV[2] timers-of-callback key prefix ("{p}:timers-of-callback:"; same hash tag, so the same slot)

  Returns how many of the three were there.
]]
local found = 0
local callbackId = redis.call('HGET', KEYS[3], 'callbackId')
if callbackId then redis.call('SREM', ARGV[2] .. callbackId, ARGV[1]) end
redis.call('ZREM', KEYS[4], ARGV[1])
found = found + redis.call('DEL', KEYS[1]) + redis.call('DEL', KEYS[2]) + redis.call('DEL', KEYS[3])
return found
