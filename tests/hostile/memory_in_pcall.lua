-- A memory error cannot be caught and retried.
-- args: --max-memory 256M --timeout 15
-- expect: memory limit of 256 MiB exceeded
local keep = {}
while true do
  pcall(function()
    keep[#keep + 1] = string.rep("y", 1 << 20) .. #keep
  end)
end
