--[[
  Claims up to `limit` timer jobs that are due at or before now and not leased, or whose lease
  has run out (its holder crashed or is too slow): each is leased to `owner` until now + leaseMs.
  While leased, a job's score is the end of its lease, so one ZRANGEBYSCORE finds both the due
  jobs and the ones whose lease expired, earliest first; no other instance can claim it meanwhile.

  KEYS[1] timers sorted set (score = when the job can next be claimed)
  KEYS[2] timer job hash prefix ("{p}:timer:"; same hash tag, so the same slot)

  ARGV[1] now (ms)   ARGV[2] owner (instance id)   ARGV[3] lease (ms)   ARGV[4] limit

  Returns a list of { id, kind, callbackId, data (JSON), dueAt, claims, leaseUntil }, where
  claims counts how often the job was claimed, this time included.
]]
local now = tonumber(ARGV[1])
local leaseUntil = now + tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))

local claimed = {}
for _, id in ipairs(ids) do
  local key = KEYS[2] .. id
  local job = redis.call('HMGET', key, 'kind', 'callbackId', 'data', 'dueAt', 'rev')
  if job[1] then
    local claims = redis.call('HINCRBY', key, 'claims', 1)
    redis.call('HSET', key, 'leasedBy', ARGV[2], 'leaseUntil', leaseUntil, 'leaseRev', job[5])
    redis.call('ZADD', KEYS[1], leaseUntil, id)
    claimed[#claimed + 1] = { id, job[1], job[2], job[3], job[4], claims, leaseUntil }
  else
    -- An id without its hash cannot be run; drop it rather than return it forever.
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed
