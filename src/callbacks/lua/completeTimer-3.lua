--[[
  Completes a timer job, but only for the owner that holds its lease: a stale owner (its lease
  ran out and another instance claimed the job) is refused and changes nothing. A lease that ran
  out but that nobody took over still lets its holder complete: nobody else acted.

  If the job was scheduled again while leased (its revision moved on), the newer schedule stands:
  the lease is released and the job waits for its new due time instead of being deleted.

  KEYS[1] the job's hash
  KEYS[2] timers sorted set
  KEYS[3] timers-of-callback key prefix ("{p}:timers-of-callback:"; same hash tag, so the same slot)

  ARGV[1] job id   ARGV[2] owner

  Returns 1 when removed, 2 when released to its newer schedule, 0 when refused (not the
  lease holder, or no such job).
]]
local job = redis.call('HMGET', KEYS[1], 'leasedBy', 'rev', 'leaseRev', 'callbackId', 'dueAt')
if job[1] ~= ARGV[2] then return 0 end

if job[2] ~= job[3] then
  redis.call('HDEL', KEYS[1], 'leasedBy', 'leaseUntil', 'leaseRev')
  redis.call('ZADD', KEYS[2], job[5], ARGV[1])
  return 2
end

redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3] .. job[4], ARGV[1])
return 1
