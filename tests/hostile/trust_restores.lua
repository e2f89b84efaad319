-- With --trust the script has io and the whole os library again.
-- args: --trust
-- status: 0
-- expect: trusted: io and os work
local f = assert(io.open("trusted.txt", "w"))
f:write("ok")
f:close()
assert(io.open("trusted.txt"):read("a") == "ok")
assert(os.remove("trusted.txt"))
assert(os.execute("true"))
assert(os.getenv("PATH"))
io.stderr:write("trusted: io and os work\n")
