-- args: --max-memory 256M
-- expect: memory limit of 256 MiB exceeded
local s = string.rep("x", 1 << 30)
