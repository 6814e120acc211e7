--[[
  The instances of the installation that were heard from lately; older heartbeats are removed
  (their instance died or was stopped without saying goodbye).

  KEYS[1] the instances hash (instance id -> heartbeat JSON with "at", the writer's time in ms)

  ARGV[1] now (ms)   ARGV[2] how old a heartbeat may be (ms)

  Returns a flat list { id, heartbeat JSON, id, heartbeat JSON, ... } of the fresh ones.
]]
local oldest = tonumber(ARGV[1]) - tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local fresh = {}
for i = 1, #all, 2 do
  local ok, beat = pcall(cjson.decode, all[i + 1])
  if ok and type(beat) == 'table' and tonumber(beat.at) and tonumber(beat.at) >= oldest then
    fresh[#fresh + 1] = all[i]
    fresh[#fresh + 1] = all[i + 1]
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return fresh
