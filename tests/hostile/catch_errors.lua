-- Catching every error in a loop does not catch the time limit.
-- args: --timeout 2
-- expect: time limit of 2 s exceeded
local n = 0
while true do
  local ok = pcall(error, "again")
  local ok2 = xpcall(function() while true do end end, function(e) return e end)
  n = n + 1
end
