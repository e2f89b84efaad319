-- Recursion through C (pcall) and through metamethods.
-- expect: stack overflow
local function f() local ok, e = pcall(f); error(e, 0) end
f()
