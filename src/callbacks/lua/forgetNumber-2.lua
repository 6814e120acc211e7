--[[
  Erases the keys that are named after a caller's number (forgetting a caller; the callbacks and
  call-log entries are erased one by one by eraseCallback-4 and eraseCall-3, and their follow-up
  jobs by the eraser): the pointer to their open callback and the text-back mark.

  KEYS[1] pending-by-caller key of the number
  KEYS[2] texted-back key of the number

  Returns how many of the two were there.
]]
return redis.call('DEL', KEYS[1]) + redis.call('DEL', KEYS[2])
