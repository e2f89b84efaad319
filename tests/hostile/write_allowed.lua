-- What a sandboxed script may write: the current folder (also a subfolder)
-- and --out's folder.
-- args: --out ../out/report.txt
-- status: 0
-- present: run/here.csv
-- present: out/there.csv
-- present: out/report.txt
local t = funnel.data.leads:head(2)
t:write_csv("here.csv")
t:write_csv("../out/there.csv")
print("done")
