-- A finalizer that never returns (hooks do not run inside finalizers).
-- args: --timeout 2
-- expect: time limit of 2 s exceeded
setmetatable({}, { __gc = function() while true do end end })
collectgarbage()
