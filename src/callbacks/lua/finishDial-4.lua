--[[
  Records the result of a dial attempt on a callback being dialled. The rules are lifecycle.ts
  `decide` ('finishDial'):
    reached                                   -> done   (closed: leaves the open indexes)
    not reached, dialAttempts + 1 >= maximum  -> failed (closed: leaves the open indexes)
    not reached, attempts left                -> pending again ("attempt-failed")
    aborted (the customer was never dialled)  -> pending again, not counted ("attempt-failed")
  Failed attempts are counted in the field dialAttempts; a reached customer's talk time is kept
  in talkMs, and when they were reached in reachedAt (reachedVia "dial-back"). Appends one
  history entry.

  KEYS[1] the callback's hash
  KEYS[2] the callback's history list
  KEYS[3] open callbacks sorted set
  KEYS[4] pending-by-caller key prefix ("{p}:pending-by-caller:"; same hash tag, so the same slot)

  ARGV[1] callback id   ARGV[2] now (ms)   ARGV[3] who reports it
  ARGV[4] reached ("1" | "0" | "aborted")   ARGV[5] talk time (ms)   ARGV[6] maximum dial attempts (>= 1)
  ARGV[7] what happened, for the history ("" for the default text)
  ARGV[8] the dial's id, as startDial got it ("" to accept any dial)

  Returns { 1, "dialing", HGETALL of the callback after the change } when recorded,
          { -1 } when no such callback,
          { -2, current status } when it was not dialing (nothing changed),
          { -4, the current dial's id } when another dial holds it now (this one's lease ran out,
            it was abandoned and dialled again; nothing changed).
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { -1 } end
if status ~= 'dialing' then return { -2, status } end
local dialId = redis.call('HGET', KEYS[1], 'dialId') or ''
if ARGV[8] ~= nil and ARGV[8] ~= '' and dialId ~= ARGV[8] then return { -4, dialId } end

local now = tonumber(ARGV[2])
local maxAttempts = tonumber(ARGV[6])
local entry = { at = now, from = 'dialing', by = ARGV[3] }
redis.call('HDEL', KEYS[1], 'dialingBy', 'dialStartedAt', 'dialId', 'dialLeaseUntil')
redis.call('HSET', KEYS[1], 'lastDialAt', now)

local closed = false
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'status', 'done', 'talkMs', ARGV[5], 'closedAt', now, 'closedBy', ARGV[3],
    'reachedAt', now, 'reachedVia', 'dial-back')
  entry.event = 'done'
  entry.to = 'done'
  entry.detail = 'reached, talked ' .. ARGV[5] .. ' ms'
  closed = true
elseif ARGV[4] == 'aborted' then
  redis.call('HSET', KEYS[1], 'status', 'pending')
  entry.event = 'attempt-failed'
  entry.to = 'pending'
  entry.detail = 'not counted: the customer was not dialled'
else
  local attempts = redis.call('HINCRBY', KEYS[1], 'dialAttempts', 1)
  entry.detail = 'attempt ' .. attempts .. ' of ' .. maxAttempts .. ' not reached'
  if attempts >= maxAttempts then
    redis.call('HSET', KEYS[1], 'status', 'failed', 'closedAt', now, 'closedBy', ARGV[3])
    entry.event = 'failed'
    entry.to = 'failed'
    closed = true
  else
    redis.call('HSET', KEYS[1], 'status', 'pending')
    entry.event = 'attempt-failed'
    entry.to = 'pending'
  end
end

if ARGV[7] ~= nil and ARGV[7] ~= '' then entry.detail = entry.detail .. ': ' .. ARGV[7] end
if closed then
  redis.call('ZREM', KEYS[3], ARGV[1])
  local byCaller = KEYS[4] .. redis.call('HGET', KEYS[1], 'caller')
  if redis.call('GET', byCaller) == ARGV[1] then redis.call('DEL', byCaller) end
end
redis.call('RPUSH', KEYS[2], cjson.encode(entry))
return { 1, status, redis.call('HGETALL', KEYS[1]) }
