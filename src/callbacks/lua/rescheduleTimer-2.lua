--[[
  Moves a leased timer job to a new due time and releases the lease (a retry with backoff),
  only for the owner that holds the lease. If the job was scheduled again while leased, the
  newer schedule stands and only the lease is released.

  KEYS[1] the job's hash
  KEYS[2] timers sorted set

  ARGV[1] job id   ARGV[2] owner   ARGV[3] new due time (ms)

  Returns 1 when moved, 2 when released to its newer schedule, 0 when refused (not the lease
  holder, or no such job).
]]
local job = redis.call('HMGET', KEYS[1], 'leasedBy', 'rev', 'leaseRev', 'dueAt')
if job[1] ~= ARGV[2] then return 0 end

redis.call('HDEL', KEYS[1], 'leasedBy', 'leaseUntil', 'leaseRev')
if job[2] ~= job[3] then
  redis.call('ZADD', KEYS[2], job[4], ARGV[1])
  return 2
end
local dueAt = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'dueAt', dueAt)
redis.call('ZADD', KEYS[2], dueAt, ARGV[1])
return 1
