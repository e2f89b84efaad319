-- A precompiled chunk (made outside the sandbox, by hand here) is refused,
-- even when the script asks for mode "b".
-- expect: attempt to load a binary chunk (mode is 't')
local chunk = "\27Lua\x54\0\x19\x93\r\n\x1a\n\4\8\8\x78\x56\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x28\x77\x40"
assert(load(chunk, "evil", "b"))
