-- A finalizer that makes a new object with itself as finalizer, forever.
-- args: --timeout 2
-- expect: time limit of 2 s exceeded
local mt = {}
mt.__gc = function() setmetatable({}, mt); collectgarbage("step") end
setmetatable({}, mt)
while true do collectgarbage() end
