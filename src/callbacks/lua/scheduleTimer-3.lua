--[[
  Schedules a timer job under a deterministic id; scheduling the same id again replaces its
  kind, callback, data and due time instead of adding a second job (idempotent).

  A job that is leased keeps its lease: the instance working on it is not interrupted, and the
  job is claimable again only after both the lease and the new due time. A change made during a
  lease bumps the job's revision, so that the holder's complete (or reschedule) keeps the newer
  schedule instead of deleting it (see completeTimer-3.lua).

  KEYS[1] the job's hash
  KEYS[2] timers sorted set (score = when the job can next be claimed)
  KEYS[3] timers-of-callback key prefix ("{p}:timers-of-callback:"; same hash tag, so the same slot)

  ARGV[1] job id   ARGV[2] kind   ARGV[3] callback id   ARGV[4] data (JSON)   ARGV[5] due time (ms)

  Returns 1 when created, 2 when an existing job was changed, 0 when it was already exactly so.
]]
local dueAt = tonumber(ARGV[5])
local old = redis.call('HMGET', KEYS[1], 'kind', 'callbackId', 'data', 'dueAt', 'leasedBy', 'leaseUntil')

if not old[1] then
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'kind', ARGV[2], 'callbackId', ARGV[3], 'data', ARGV[4],
    'dueAt', dueAt, 'rev', 1, 'claims', 0)
  redis.call('ZADD', KEYS[2], dueAt, ARGV[1])
  redis.call('SADD', KEYS[3] .. ARGV[3], ARGV[1])
  return 1
end

if old[1] == ARGV[2] and old[2] == ARGV[3] and old[3] == ARGV[4] and tonumber(old[4]) == dueAt then
  return 0
end

if old[2] ~= ARGV[3] then
  redis.call('SREM', KEYS[3] .. old[2], ARGV[1])
  redis.call('SADD', KEYS[3] .. ARGV[3], ARGV[1])
end
redis.call('HSET', KEYS[1], 'kind', ARGV[2], 'callbackId', ARGV[3], 'data', ARGV[4], 'dueAt', dueAt)
redis.call('HINCRBY', KEYS[1], 'rev', 1)

local claimableAt = dueAt
if old[5] then
  local leaseUntil = tonumber(old[6])
  if leaseUntil > claimableAt then claimableAt = leaseUntil end
end
redis.call('ZADD', KEYS[2], claimableAt, ARGV[1])
return 2
