-- The limit is raised inside a coroutine and re-raised by resume, wrap and
-- pcall around them.
-- args: --timeout 2
-- expect: time limit of 2 s exceeded
while true do
  local co = coroutine.create(function() while true do end end)
  coroutine.resume(co)
  pcall(coroutine.wrap(function() while true do coroutine.yield() end end))
end
