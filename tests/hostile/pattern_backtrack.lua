-- Catastrophic backtracking inside string.find (C, no hook runs there): the
-- watchdog ends the process one second after the limit.
-- args: --timeout 2
-- expect: time limit of 2 s exceeded
local n = 40
string.find(string.rep("a", 1e6), string.rep("a?", n) .. string.rep("a", n) .. "b")
