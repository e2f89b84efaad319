-- With --trust read_csv reads outside the data folder.
-- args: --trust
-- status: 0
-- expect: read 1 row
local t = funnel.read_csv("../secret.csv")
io.stderr:write("read ", t:nrows(), " row\n")
