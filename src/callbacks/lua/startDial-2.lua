--[[
  Marks a pending callback as being dialled, so no other instance dials it too, and appends
  "dial-started" to its history. The rules are lifecycle.ts `decide` ('startDial').
  It stays in the open callbacks set and in the pending-by-caller index while dialing.

  The dial holds a lease: dialId names it and dialLeaseUntil says until when the dialling service
  vouches for it. The live dial renews it (renewDialLease-1.lua); when the service stops, the lease
  runs out and abandonDial-2.lua puts the callback back to pending.

  KEYS[1] the callback's hash
  KEYS[2] the callback's history list

  ARGV[1] now (ms)   ARGV[2] who dials (e.g. "dialer:<instance>")
  ARGV[3] the dial's id ("" for none)   ARGV[4] end of the dialing lease (ms)

  Returns { 1, "pending", HGETALL of the callback after the change } when started,
          { -1 } when no such callback,
          { -2, current status } when it was not pending (dialing already, or closed).
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { -1 } end
if status ~= 'pending' then return { -2, status } end

local now = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'dialing', 'dialingBy', ARGV[2], 'dialStartedAt', now,
  'dialId', ARGV[3], 'dialLeaseUntil', tonumber(ARGV[4]))
local attempt = tonumber(redis.call('HGET', KEYS[1], 'dialAttempts') or '0') + 1
redis.call('RPUSH', KEYS[2], cjson.encode({
  at = now, event = 'dial-started', from = 'pending', to = 'dialing', by = ARGV[2],
  detail = 'attempt ' .. attempt }))
return { 1, status, redis.call('HGETALL', KEYS[1]) }
