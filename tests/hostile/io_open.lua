-- expect: attempt to index a nil value (global 'io')
-- absent: pwned
local f = io.open("../pwned", "w")
f:write("x")
