--[[
  Takes one text-back slot of the current clock hour, for a number range and in all, or none:
  both counters are checked before either is counted, so a refused text counts nowhere.

  KEYS[1] counter of this hour's text-backs to numbers with this prefix
  KEYS[2] counter of this hour's text-backs in all

  ARGV[1] the limit per prefix   ARGV[2] the limit in all
  ARGV[3] how long the counters are kept (ms): past the end of their hour

  Returns { 1, perPrefix, perHour } (the counts with this one) when taken,
          { 0, 'prefix' | 'hour', count } when a limit is reached.
]]
local perPrefix = tonumber(redis.call('GET', KEYS[1]) or '0')
local perHour = tonumber(redis.call('GET', KEYS[2]) or '0')
if perPrefix >= tonumber(ARGV[1]) then return { 0, 'prefix', perPrefix } end
if perHour >= tonumber(ARGV[2]) then return { 0, 'hour', perHour } end
perPrefix = redis.call('INCR', KEYS[1])
perHour = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
return { 1, perPrefix, perHour }
