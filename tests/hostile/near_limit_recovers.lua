-- Not an attack: a script near its memory limit. Lua recovers from a refused
-- allocation by a full collection (here the garbage strings), and the run
-- goes on; an ordinary error caught afterwards stays caught. (Before the fix
-- any caught error after such a refusal ended the run as "memory limit".)
-- args: --max-memory 64M --timeout 15
-- status: 0
local keep = {}
for i = 1, 40 do keep[i] = string.rep("k", 1 << 20) .. i end
for j = 1, 200 do local g = string.rep("g", 1 << 20) .. j end
assert(not pcall(error, "ordinary"))
