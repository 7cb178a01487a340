--[[
  Uses up a code after a successful comparison. Deleting only when the stored
  hash is still the compared one makes the code single use even for two
  concurrent right answers, and never removes a newer code sent meanwhile.

  KEYS[1]  otp:{email}
  ARGV[1]  code hash the caller matched

  Returns 1 consumed: this call used the code
          0 gone: it was already used, expired or replaced
]]
if redis.call('HGET', KEYS[1], 'h') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
