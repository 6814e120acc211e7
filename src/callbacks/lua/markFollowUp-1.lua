--[[
  Marks that a new callback's follow-up (notification, reminder, escalation) was scheduled, so
  that recording the same call again (a replayed spool entry) schedules it at most once more.
  Changes nothing when the callback does not exist.

  KEYS[1] the callback's hash

  ARGV[1] now (ms)

  Returns 1 when marked now, 0 when it was marked before or there is no such callback.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HSETNX', KEYS[1], 'followUpAt', ARGV[1])
