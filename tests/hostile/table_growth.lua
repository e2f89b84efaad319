-- args: --max-memory 256M --timeout 15
-- expect: memory limit of 256 MiB exceeded
local t = {}
local i = 0
while true do
  i = i + 1
  t[i] = { i, tostring(i) }
end
