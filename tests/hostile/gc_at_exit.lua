-- A finalizer that loops when the run closes, after the script returned.
-- args: --timeout 2 --out out.txt
-- expect: time limit of 2 s exceeded
-- absent: run/out.txt
setmetatable({}, { __gc = function() while true do end end })
print("done")
