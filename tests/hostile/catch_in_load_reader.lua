-- load() runs its reader function protected, so an error raised there comes
-- back as load's result: load re-raises it like pcall.
-- args: --timeout 2
-- expect: time limit of 2 s exceeded in
local function reader() while true do end end
while true do load(reader) end
