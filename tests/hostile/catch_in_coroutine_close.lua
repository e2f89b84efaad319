-- coroutine.close returns an error raised by a __close handler instead of
-- raising it: close re-raises it like pcall.
-- args: --timeout 2
-- expect: time limit of 2 s exceeded in
while true do
  local co = coroutine.create(function()
    local x <close> = setmetatable({}, { __close = function() while true do end end })
    coroutine.yield()
  end)
  coroutine.resume(co)
  coroutine.close(co)
end
