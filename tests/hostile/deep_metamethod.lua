-- expect: stack overflow
local t = setmetatable({}, {})
getmetatable(t).__index = function(s, k) return s[k .. "x"] end
local _ = t.a
