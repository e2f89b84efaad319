-- A to-be-closed variable whose __close loops: the hook still fires.
-- args: --timeout 2
-- expect: time limit of 2 s exceeded
local co = coroutine.wrap(function()
  local x <close> = setmetatable({}, { __close = function() while true do end end })
  coroutine.yield()
end)
co()
while true do pcall(co) end
