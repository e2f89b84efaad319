-- An error object whose __tostring loops, met while reporting the error.
-- args: --timeout 2
-- expect: time limit of 2 s exceeded
error(setmetatable({}, { __tostring = function() while true do end end }))
