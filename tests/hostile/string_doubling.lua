-- args: --max-memory 256M
-- expect: memory limit of 256 MiB exceeded
local s = "x"
while true do s = s .. s end
