-- expect: read_csv: '/no/such/folder/x.csv' is outside the allowed folders
-- A script must not learn which files exist outside its folders: a missing
-- file out there gets the same "outside" error as an existing one.
local ok1, e1 = pcall(funnel.read_csv, "/etc/passwd")
local ok2, e2 = pcall(funnel.read_csv, "/no/such/folder/x.csv")
assert(not ok1 and e1:find("outside the allowed folders", 1, true), e1)
error(e2, 0)
