--[[
  Claims the scheduling of a new callback's follow-up jobs (notify, remind, overdue), so that
  exactly one instance schedules them, and a crash in between is healed by a later sweep.

  A new callback is written with followUp = "pending" (recordMissedCall-5.lua). The claim moves
  it to "scheduling" with a lease; finishFollowUp-1.lua moves it to "scheduled" once the jobs are
  in. A "scheduling" whose lease ran out (its instance stopped midway) can be claimed again.
  "scheduled", and no field at all (callbacks recorded before this field existed), are never
  claimed: their jobs exist or ran, and scheduling them again would notify twice.

  KEYS[1] the callback's hash

  ARGV[1] now (ms)   ARGV[2] who claims (this instance)   ARGV[3] lease (ms)

  Returns { 1, HGETALL of the callback } when claimed,
          { 0, followUp state or "" } when there is nothing to claim (closed callbacks included),
          { -1 } when no such callback.
]]
local fields = redis.call('HMGET', KEYS[1], 'status', 'followUp', 'followUpLeaseUntil')
if not fields[1] then return { -1 } end
local state = fields[2] or ''
if fields[1] ~= 'pending' and fields[1] ~= 'dialing' then return { 0, state } end

local now = tonumber(ARGV[1])
local claimable = state == 'pending' or (state == 'scheduling' and (tonumber(fields[3]) or 0) <= now)
if not claimable then return { 0, state } end
redis.call('HSET', KEYS[1], 'followUp', 'scheduling', 'followUpBy', ARGV[2], 'followUpLeaseUntil', now + tonumber(ARGV[3]))
return { 1, redis.call('HGETALL', KEYS[1]) }
